/* Season pages and the airing calendar at the viewer's local time. Each broadcast is a
   <time datetime="…Z"> holding its UTC instant, its text Japan time; this script writes the
   local time instead and, on the calendar, moves each show to its local weekday. Without it
   the page stays in Japan time and says so. */
(function () {
  "use strict";

  var WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

  function localize() {
    var times = document.querySelectorAll("time[data-slot]");
    var timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
    var withDay = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
    var full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    times.forEach(function (time) {
      var when = new Date(time.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      time.textContent = (time.dataset.slot === "time" ? timeOnly : withDay).format(when);
      time.title = "Next: " + full.format(when) + (zone ? " (" + zone + ")" : "");
    });
    document.querySelectorAll("[data-time-zone-note]").forEach(function (note) {
      note.textContent = "Days and times are your local time" + (zone ? " (" + zone + ")" : "") + ".";
    });
  }

  function minutesOfDay(date) {
    return date.getHours() * 60 + date.getMinutes();
  }

  // Each show goes to the day its next broadcast falls on here, earliest first within a day.
  function regroup(calendar) {
    var days = {};
    calendar.querySelectorAll("[data-weekday]").forEach(function (section) {
      days[section.dataset.weekday] = { section: section, items: [] };
    });
    calendar.querySelectorAll("[data-calendar-item]").forEach(function (item) {
      var time = item.querySelector("time[datetime]");
      var when = time && new Date(time.getAttribute("datetime"));
      if (!when || isNaN(when.getTime())) return;
      var day = days[WEEKDAYS[when.getDay()]];
      if (day) day.items.push({ node: item, minutes: minutesOfDay(when) });
    });
    var today = WEEKDAYS[new Date().getDay()];
    Object.keys(days).forEach(function (name) {
      var day = days[name];
      var list = day.section.querySelector("[data-calendar-list]");
      day.items.sort(function (a, b) { return a.minutes - b.minutes; });
      day.items.forEach(function (entry) { list.appendChild(entry.node); });
      var count = day.section.querySelector("[data-day-count]");
      if (count) count.textContent = String(day.items.length);
      var empty = day.section.querySelector("[data-calendar-empty]");
      if (empty) empty.hidden = day.items.length > 0;
      day.section.classList.toggle("is-today", name === today);
      var tag = day.section.querySelector("[data-today-tag]");
      if (tag) tag.hidden = name !== today;
    });
    document.querySelectorAll("[data-day-link]").forEach(function (link) {
      if (link.dataset.dayLink === today) link.setAttribute("aria-current", "date");
      else link.removeAttribute("aria-current");
    });
  }

  function start() {
    localize();
    var calendar = document.querySelector("[data-calendar]");
    if (calendar) regroup(calendar);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
