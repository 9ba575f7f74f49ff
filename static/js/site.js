// Progressive enhancement only: every page works without this file.
// The words this script shows come translated from the server, on <body data-text-…>.
// The page's language, as the reader's browser spells it when it matches (en-GB, not just en).
const pageLocale = (() => {
  const lang = document.documentElement.lang || "en";
  return (navigator.languages || []).find((locale) => locale.split("-")[0] === lang) || lang;
})();

function text(name, values = {}) {
  const template = document.body.dataset[name] || "";
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
}

document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const region = document.getElementById("live-errors");
  if (region) region.textContent = text("textServerError", { status });
});

// Times are printed in UTC; show them in the reader's own time zone, with the zone named.
function localiseTimes(root) {
  const format = new Intl.DateTimeFormat(pageLocale, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  root.querySelectorAll("time[data-local-time]").forEach((element) => {
    const moment = new Date(element.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) {
      element.title = element.textContent;
      element.textContent = format.format(moment);
    }
  });
}

// A copy button on every code block in lesson and demo pages.
function addCopyButtons(root) {
  if (!navigator.clipboard) return;
  root.querySelectorAll(".prose pre, pre.copyable").forEach((block) => {
    if (block.parentElement.classList.contains("code-block")) return;
    const wrapper = document.createElement("div");
    wrapper.className = "code-block";
    block.replaceWith(wrapper);
    wrapper.appendChild(block);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary button-small copy-button";
    button.textContent = text("textCopy");
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(block.innerText);
      button.textContent = text("textCopied");
      setTimeout(() => { button.textContent = text("textCopy"); }, 2000);
    });
    wrapper.appendChild(button);
  });
}

// A live character counter under every textarea that declares a maximum length.
function addCharacterCounters(root) {
  root.querySelectorAll("textarea[maxlength]").forEach((field) => {
    if (field.dataset.counted) return;
    field.dataset.counted = "1";
    const limit = Number(field.getAttribute("maxlength"));
    const counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = `${field.id || field.name}-count`;
    counter.setAttribute("aria-live", "polite");
    const update = () => {
      const left = limit - field.value.length;
      counter.textContent = text("textCharacters", {
        count: field.value.length.toLocaleString(pageLocale),
        limit: limit.toLocaleString(pageLocale),
      });
      counter.classList.toggle("is-over", left < 0);
    };
    field.insertAdjacentElement("afterend", counter);
    const described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? `${described} ${counter.id}` : counter.id);
    field.addEventListener("input", update);
    update();
  });
}

// Copy-to-clipboard buttons declared in templates: <button data-copy="text to copy">.
function wireCopyButtons(root) {
  root.querySelectorAll("button[data-copy]").forEach((button) => {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(button.dataset.copy);
      const label = button.textContent;
      button.textContent = text("textCopied");
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
}

function enhance(root) {
  localiseTimes(root);
  addCopyButtons(root);
  addCharacterCounters(root);
  wireCopyButtons(root);
}

document.addEventListener("DOMContentLoaded", () => enhance(document));
document.addEventListener("htmx:afterSwap", (event) => localiseTimes(event.detail.target));
