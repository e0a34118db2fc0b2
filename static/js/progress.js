/* The progress control on a work page (status, "Episode 3 of 12", +1, the "completed" offer
   after the last episode) and the "+1" on a card of a work being watched. Without script each
   is a plain form (the status has a Save button); with it a change is sent with fetch(), every
   control of the work shows the answer in place and the live region says it. Loaded by the
   pages that show cards or a work page (templates/mangaki/_card_scripts.html). */
import { announce } from "./live.js";

function csrfToken(form) {
  // The cookie is current even after logging in (which rotates the token); the form's copy may not be.
  var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  var input = form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function send(form, submitter) {
  var body = new FormData(form);
  if (submitter && submitter.name) body.set(submitter.name, submitter.value);
  return fetch(form.getAttribute("action"), {
    method: "POST",
    body: body,
    credentials: "same-origin",
    headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form), "X-Requested-With": "fetch" },
  }).then(function (response) {
    if (response.status === 403) throw new Error("Your session expired: reload the page to save your progress.");
    return response.json().then(function (data) {
      if (!response.ok) throw new Error(data.error || "Your progress could not be saved.");
      return data;
    });
  });
}

function each(root, selector, action) {
  root.querySelectorAll(selector).forEach(action);
}

// Show ``data`` (the endpoint's answer) on every control of its work.
function show(data) {
  document.querySelectorAll('[data-progress="' + data.work + '"]').forEach(function (root) {
    var onCard = root.classList.contains("card-progress");
    root.dataset.status = data.status;
    each(root, "[data-progress-status]", function (select) { select.value = data.status; });
    each(root, "[data-progress-summary]", function (span) { span.textContent = data.summary; });
    each(root, "[data-progress-input]", function (input) { input.value = data.count; });
    each(root, "[data-progress-bar]", function (bar) {
      bar.hidden = !data.length;
      if (data.length) {
        bar.max = data.length;
        bar.value = data.count;
        bar.setAttribute("aria-label", data.summary);
        bar.textContent = Math.round(100 * data.count / data.length) + "%";
      }
    });
    var watching = data.status === "watching";
    each(root, "[data-progress-short]", function (span) {
      span.textContent = watching ? data.short : (data.label || "Off the list");
      span.title = (data.label ? data.label + ": " : "") + data.summary;
    });
    each(root, "[data-progress-step]", function (button) {
      if (onCard) button.hidden = !watching || data.at_the_end;
      else button.disabled = data.at_the_end;
    });
    each(root, "[data-progress-offer]", function (offer) { offer.hidden = !data.offers_completed; });
  });
}

function submit(form, submitter) {
  var root = form.closest("[data-progress]");
  var hadFocus = document.activeElement;
  if (submitter) submitter.classList.add("is-busy");
  root.setAttribute("aria-busy", "true");
  send(form, submitter).then(function (data) {
    show(data);
    announce(data.message);
    // The +1 just reached the end and left the Tab order: focus goes to the offer it made.
    if (data.offers_completed && hadFocus && (hadFocus.disabled || hadFocus.hidden)) {
      var offer = root.querySelector("[data-progress-offer] button, button[data-progress-offer]");
      if (offer) offer.focus();
    }
  }).catch(function (error) {
    announce(error.message);
    window.alert(error.message);
  }).then(function () {
    if (submitter) submitter.classList.remove("is-busy");
    root.removeAttribute("aria-busy");
  });
}

document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-progress-form]");
  if (!form || !window.fetch) return;
  event.preventDefault();
  submit(form, event.submitter);
});

// With script the status is saved as soon as it is chosen: its Save button goes.
document.addEventListener("change", function (event) {
  var select = event.target.closest("select[data-progress-status]");
  if (select && window.fetch) submit(select.form, null);
});

if (window.fetch) {
  document.querySelectorAll("[data-progress-save]").forEach(function (button) { button.hidden = true; });
}
