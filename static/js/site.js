// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const region = document.getElementById("live-errors");
  if (region) region.textContent = `The server answered ${status}. Your work is kept; try again.`;
});
