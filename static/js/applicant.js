// The print buttons of the confirmation and the printable notices (shown only where this script runs).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
