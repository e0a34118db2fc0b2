/* Covers: a cover whose file fails to load is removed, uncovering the placeholder drawn under
   it (templates/mangaki/_poster.html), so no page shows a broken image; an NSFW cover stays
   blurred until its "Show" button is pressed. Error events do not bubble: listen in the
   capture phase, for covers loaded later too (lazy ones, a refreshed list), and check those
   that failed before this script ran. Loaded by the pages that show cards
   (templates/mangaki/_card_scripts.html) and by a work page. */

function dropBroken(img) {
  var poster = img.parentNode;
  if (poster && poster.classList) poster.classList.remove("has-cover");
  var reveal = poster && poster.querySelector("[data-cover-reveal]");
  if (reveal) reveal.remove();
  var placeholder = poster && poster.querySelector(".poster-placeholder");
  if (placeholder) placeholder.removeAttribute("aria-hidden");
  img.remove();
}

document.addEventListener("error", function (event) {
  var target = event.target;
  if (target && target.tagName === "IMG" && target.hasAttribute("data-cover")) dropBroken(target);
}, true);

Array.prototype.forEach.call(document.querySelectorAll("img[data-cover]"), function (img) {
  if (img.complete && img.naturalWidth === 0 && img.currentSrc) dropBroken(img);
});

document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-cover-reveal]");
  if (!button) return;
  var img = button.parentNode.querySelector("img.cover.is-masked");
  if (img) img.classList.remove("is-masked");
  button.remove();
});
