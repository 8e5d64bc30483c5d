// Small conveniences only; every page works without this file.
document.addEventListener("click", function (ev) {
  var t = ev.target.closest("[data-print]");
  if (t) { ev.preventDefault(); window.print(); }
});
// A form with data-confirm asks before it is sent (the CSP forbids inline onsubmit handlers).
document.addEventListener("submit", function (ev) {
  var form = ev.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
});
