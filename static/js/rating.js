/* The one-click rating widget on every card and on a work page, its keyboard (keys 1-6 rate,
   0 clears, arrow keys move between the choices) and the live recommendations list, which
   reloads after each rating. Loaded by the pages that show cards (templates/mangaki/
   _card_scripts.html) and by a work page; without script each widget is a plain form. */
import { announce } from "./live.js";

var KEYS = { "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5 };
var LABELS = {};
// Where keys 1–6 type rather than rate.
var TEXT_FIELDS = "input, select, textarea, [contenteditable], [role=combobox], [role=listbox]";
var HINT_ID = "rate-keys-hint";

function rateButtons(widget) {
  return Array.prototype.slice.call(widget.querySelectorAll("button[data-choice]"));
}

function labelOf(button) {
  var word = button.querySelector(".rate-word");
  return (word ? word.textContent : button.textContent).trim();
}

// The card a widget sits in, when that card is itself a Tab stop (cards in rows, lists).
function cardOf(widget) {
  var scope = widget.closest("[data-rate-scope]");
  return scope && scope.getAttribute("tabindex") === "0" ? scope : null;
}

// The widget keys 1–6 act on when focus is in no card: a work page's own (there is one).
function pageWidget() {
  var widgets = document.querySelectorAll(".work-widget form.rate");
  return widgets.length === 1 ? widgets[0] : null;
}

// What a focused card tells screen readers besides its title: one hidden sentence for all.
function keysHint(buttons) {
  var hint = document.getElementById(HINT_ID);
  if (!hint) {
    hint = document.createElement("p");
    hint.id = HINT_ID;
    hint.className = "visually-hidden";
    hint.textContent = "Keys 1 to 6 rate: " + buttons.map(labelOf).join(", ") +
      ". Press the same key again or 0 to clear. Arrow keys reach the rating buttons; Enter opens the work.";
    document.body.appendChild(hint);
  }
  return hint.id;
}

// One Tab stop per card: the card. Its rating buttons and title link leave the Tab order;
// keys 1–6 rate the focused card, arrow keys go into its buttons (Escape comes back) and
// Enter opens the work. A widget outside a card (a work page's) is one Tab stop with a
// roving tabindex. Without script nothing changes: every button stays a Tab stop.
function enhance(root) {
  root.querySelectorAll("form.rate").forEach(function (widget) {
    if (widget.dataset.keys) return;
    widget.dataset.keys = "on";
    var buttons = rateButtons(widget);
    var card = cardOf(widget);
    if (card) {
      buttons.forEach(function (button) { button.tabIndex = -1; });
      var link = card.querySelector(".card-title a");
      if (link) link.tabIndex = -1;
      var described = (card.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      var hint = keysHint(buttons);
      if (described.indexOf(hint) < 0) card.setAttribute("aria-describedby", described.concat(hint).join(" "));
    } else {
      var current = widget.querySelector('button[aria-pressed="true"]') || buttons[0];
      buttons.forEach(function (button) { button.tabIndex = button === current ? 0 : -1; });
    }
  });
}

// Focus one of a widget's buttons (arrow keys); outside a card it becomes the Tab stop.
function focusButton(widget, buttons, button) {
  if (!cardOf(widget)) buttons.forEach(function (other) { other.tabIndex = other === button ? 0 : -1; });
  button.focus();
}

// The index an arrow key leads to in the widget's grid (3×2 on cards, one row on a work page).
function step(buttons, index, key) {
  var columns = buttons.filter(function (button) { return button.offsetTop === buttons[0].offsetTop; }).length || 1;
  var count = buttons.length;
  switch (key) {
    case "ArrowRight": return (index + 1) % count;
    case "ArrowLeft": return (index - 1 + count) % count;
    case "ArrowDown": return index + columns < count ? index + columns : index % columns;
    case "ArrowUp": return index - columns >= 0 ? index - columns : index + columns * Math.floor((count - 1 - index) / columns);
    case "Home": return 0;
    case "End": return count - 1;
    default: return -1;
  }
}

function csrfToken(form) {
  // The cookie is current even after logging in (which rotates the token); the form's copy may not be.
  var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function widgetsFor(action) {
  return Array.prototype.filter.call(document.querySelectorAll("form.rate"), function (form) {
    return form.getAttribute("action") === action;
  });
}

// Show ``choice`` ("" for none) as the current rating on every widget of the work.
function showChoice(action, choice) {
  widgetsFor(action).forEach(function (form) {
    form.dataset.choice = choice;
    form.querySelectorAll("button[data-choice]").forEach(function (button) {
      var pressed = button.dataset.choice === choice;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.value = pressed ? "" : button.dataset.choice;
      LABELS[button.dataset.choice] = labelOf(button);
    });
    var status = form.querySelector(".rate-status");
    if (status) {
      status.innerHTML = "";
      var span = document.createElement("span");
      span.className = "rate-current" + (choice ? " rate-" + choice : "");
      span.textContent = choice ? LABELS[choice] : "Not rated";
      status.appendChild(span);
    }
    var card = form.closest("[data-rate-scope]");
    if (card) card.classList.toggle("is-rated", Boolean(choice));
    // Outside a card the Tab stop follows the choice, unless focus is on another button.
    if (!cardOf(form) && !form.contains(document.activeElement)) {
      var buttons = rateButtons(form);
      var current = form.querySelector('button[aria-pressed="true"]') || buttons[0];
      buttons.forEach(function (button) { button.tabIndex = button === current ? 0 : -1; });
    }
  });
}

function send(action, choice, form) {
  var body = new FormData();
  body.append("choice", choice);
  return fetch(action, {
    method: "POST",
    body: body,
    credentials: "same-origin",
    headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form), "X-Requested-With": "fetch" },
  }).then(function (response) {
    if (response.status === 403) throw new Error("Your session expired: reload the page to rate.");
    return response.json().then(function (data) {
      if (!response.ok) throw new Error(data.error || "The rating could not be saved.");
      return data;
    });
  });
}

function rate(button) {
  var form = button.form;
  var scope = button.closest("[data-rate-scope]");
  var widget = form.classList.contains("rate") ? form : scope && scope.querySelector("form.rate");
  var action = form.getAttribute("action");
  var current = widget ? widget.dataset.choice : "";
  var removing = button.hasAttribute("data-remove");
  var choice = removing || button.dataset.choice !== current ? button.dataset.choice : "";
  var title = widget ? widget.dataset.title : "";
  button.classList.add("is-busy");
  send(action, choice, form).then(function (data) {
    showChoice(action, data.choice || "");
    announce(data.choice ? title + ": " + data.label : "Rating of " + title + " removed");
    var list = scope && scope.closest("#recommendations");
    if (list) {
      if (removing) scope.classList.add("is-leaving");
      window.setTimeout(function () { refresh(list, removing ? scope : null); }, removing ? 200 : 0);
    }
  }).catch(function (error) {
    announce(error.message);
    window.alert(error.message);
  }).then(function () { button.classList.remove("is-busy"); });
}

// Reload the recommendations after a rating: rated works leave, new ones arrive.
function refresh(list, leaving) {
  if (leaving) leaving.remove();
  list.setAttribute("aria-busy", "true");
  fetch(list.dataset.refreshUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
    .then(function (response) { return response.text(); })
    .then(function (html) {
      var hadFocus = list.contains(document.activeElement) || document.activeElement === document.body;
      list.innerHTML = html;
      enhance(list);
      list.removeAttribute("aria-busy");
      // Keyboard users keep their place: focus moves to the first card of the new list.
      var first = list.querySelector("[data-rate-scope]");
      if (hadFocus && first) first.focus({ preventScroll: true });
      announce("Recommendations updated");
    });
}

document.addEventListener("click", function (event) {
  var button = event.target.closest("form.rate button[data-choice], button[data-remove]");
  if (!button || !window.fetch) return;
  event.preventDefault();
  rate(button);
});

// Keys 1–6 rate the focused card, or on a work page its work wherever focus is outside a
// text field (pressing the current choice again removes it), 0 clears; arrow keys move
// between the buttons.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target instanceof Element ? event.target : document.body;
  if (target.closest(TEXT_FIELDS)) return;
  var scope = target.closest("[data-rate-scope]");
  var widget = scope ? scope.querySelector("form.rate") : pageWidget();
  if (!widget) return;
  var buttons = rateButtons(widget);
  var button = null;
  if (event.key in KEYS) button = buttons[KEYS[event.key]];
  else if (event.key === "0" && widget.dataset.choice) button = widget.querySelector('button[aria-pressed="true"]');
  if (button) {
    event.preventDefault();
    rate(button);
    return;
  }
  var card = cardOf(widget);
  var index = buttons.indexOf(target);
  if (index >= 0) {  // on a rating button
    var next = step(buttons, index, event.key);
    if (next >= 0) {
      event.preventDefault();
      focusButton(widget, buttons, buttons[next]);
    } else if (event.key === "Escape" && card) {
      event.preventDefault();
      card.focus();
    }
  } else if (card && target === card) {  // on the card itself
    if (/^Arrow/.test(event.key)) {
      event.preventDefault();
      focusButton(widget, buttons, widget.querySelector('button[aria-pressed="true"]') || buttons[0]);
    } else if (event.key === "Enter") {
      var link = card.querySelector(".card-title a");
      if (link) {
        event.preventDefault();
        link.click();
      }
    }
  }
});

enhance(document);
