/* Search as you type: suggestions under the header's search box, in the WAI-ARIA combobox
   pattern (the box is a combobox, the suggestions a listbox; the highlighted one is the box's
   aria-activedescendant). Arrow keys move, Enter opens the highlighted work or searches,
   Escape closes. Loaded by every page (the box is in the header, templates/base.html); without
   script the box is a plain search form to the catalogue. */
import { announce } from "./live.js";

const form = document.querySelector("form.search[data-suggest-url]");
const input = form && form.querySelector("input[name=q]");
if (input && window.fetch) suggest(form, input);

function suggest(form, input) {
  var DELAY = 150;  // ms after the last key before asking
  var MIN_LENGTH = 2;
  var list = document.createElement("ul");
  list.id = input.id + "-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggested titles");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");
  var timer = null, asked = 0, shownFor = null, results = [], active = -1;

  function open() {
    if (!results.length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    highlight(-1);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function highlight(index) {
    var options = list.children;
    active = index;
    for (var i = 0; i < options.length; i++) options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
    input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  function line(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  function show(query, found) {
    shownFor = query;
    results = found;
    list.innerHTML = "";
    found.forEach(function (work, index) {
      var option = document.createElement("li");
      option.id = list.id + "-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.appendChild(line("suggestion-title", work.title));
      if (work.other_title) option.appendChild(line("suggestion-other", work.other_title));
      var type = work.type === work.category_name ? "" : work.type;  // not "Manga · Manga"
      var meta = [work.close ? "close match" : "", type, work.year, work.category_name].filter(Boolean).join(" · ");
      if (meta) option.appendChild(line("suggestion-meta", meta));
      list.appendChild(option);
    });
    active = -1;
    if (found.length) {
      open();
      announce(found.length + (found.length === 1 ? " title suggested" : " titles suggested") +
        ": arrow keys to choose, Enter to open");
    } else {
      close();
      announce("No title suggested: press Enter to search");
    }
  }

  function ask() {
    var query = input.value.trim();
    if (query.length < MIN_LENGTH) { results = []; shownFor = null; list.innerHTML = ""; close(); return; }
    if (query === shownFor) { open(); return; }
    var ticket = ++asked;
    fetch(form.dataset.suggestUrl + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("status " + response.status);
      return response.json();
    }).then(function (data) {
      // Only the answer to the latest question, and only while the box is still in use.
      if (ticket === asked && document.activeElement === input) show(query, data.results);
    }).catch(function () { /* no suggestions; the form still searches */ });
  }

  function go(index) {
    var work = results[index];
    if (work) window.location.assign(work.url);
  }

  input.addEventListener("input", function () {
    highlight(-1);
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, DELAY);
  });

  input.addEventListener("keydown", function (event) {
    var count = list.children.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) return;
      event.preventDefault();
      if (event.altKey) { open(); return; }  // Alt+Down shows the list without choosing
      if (list.hidden) { open(); highlight(event.key === "ArrowDown" ? 0 : count - 1); return; }
      // Down from the last, or up from the first, comes back to the text typed.
      if (event.key === "ArrowDown") highlight(active + 1 < count ? active + 1 : -1);
      else highlight(active < 0 ? count - 1 : active - 1);
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0) { event.preventDefault(); go(active); }
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); close(); }
    }
  });

  input.addEventListener("blur", function () { close(); });
  // A click on a suggestion opens it; the box keeps the focus meanwhile.
  list.addEventListener("mousedown", function (event) { event.preventDefault(); });
  list.addEventListener("click", function (event) {
    var option = event.target.closest("[role=option]");
    if (option) go(Array.prototype.indexOf.call(list.children, option));
  });
  list.addEventListener("mousemove", function (event) {
    var option = event.target.closest("[role=option]");
    var index = option ? Array.prototype.indexOf.call(list.children, option) : -1;
    if (index >= 0 && index !== active) highlight(index);
  });
}
