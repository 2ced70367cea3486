// Applicant pages: the print button of the confirmation (shown only where this script runs).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
