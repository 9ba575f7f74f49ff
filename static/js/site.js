// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const region = document.getElementById("live-errors");
  if (region) region.textContent = `The server answered ${status}. Your work is kept; try again.`;
});

// Times are printed in UTC; show them in the reader's own time zone, with the zone named.
function localiseTimes(root) {
  const format = new Intl.DateTimeFormat(undefined, {
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
    button.textContent = "Copy";
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(block.innerText);
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
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
      counter.textContent = `${field.value.length.toLocaleString()} of ${limit.toLocaleString()} characters`;
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
      button.textContent = "Copied";
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
