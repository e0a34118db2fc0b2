/* The page's live region (templates/base.html's #live): what a script says there, screen
   readers read out. Emptied first, then filled a moment later, so that saying the same
   sentence twice is heard twice. */

export function announce(text) {
  const live = document.getElementById("live");
  if (!live) return;
  live.textContent = "";
  window.setTimeout(() => { live.textContent = text; }, 30);
}
