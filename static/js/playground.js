// "Try it" boxes in lessons. A lesson declares one in Markdown as an admonition:
//     !!! playground "Try it: ask for JSON"
//         The starter prompt the learner can edit.
// Without JavaScript (or signed out) the box stays a plain note with the prompt to copy.
(() => {
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch {
      return "";
    }
  }

  function element(tag, attributes = {}, text = "") {
    const node = document.createElement(tag);
    Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
    if (text) node.textContent = text;
    return node;
  }

  function build(box, index, { createUrl, lesson, promptMaxChars }, words) {
    // The prose element's data-text-* attributes hold the words in the page's language, with {name} slots.
    const text = (name, values = {}) =>
      words[name].replace(/\{(\w+)\}/g, (slot, key) => (key in values ? String(values[key]) : slot));
    const starter = [...box.querySelectorAll("p:not(.admonition-title)")].map((p) => p.textContent).join("\n\n");
    const id = `playground-${index}`;
    const form = element("form", { class: "playground-form" });
    const label = element("label", { for: `${id}-prompt` }, text("textPromptLabel"));
    const prompt = element("textarea", { id: `${id}-prompt`, name: "prompt", rows: "5", maxlength: promptMaxChars });
    prompt.value = starter;
    const run = element("button", { type: "submit", class: "button" }, text("textRun"));
    const status = element("p", { class: "playground-status meta", "aria-live": "polite" }, text("textReady"));
    const output = element("pre", { class: "playground-output demo-pre", tabindex: "0", hidden: "" });
    form.append(label, prompt, run, status, output);
    box.querySelectorAll("p:not(.admonition-title)").forEach((p) => p.remove());
    box.append(form);

    async function poll(url) {
      const reply = await fetch(url, { headers: { Accept: "application/json" } });
      const data = await reply.json();
      show(data);
      if (data.state === "queued" || data.state === "running") setTimeout(() => poll(url), 1000);
    }

    function show(data) {
      if (data.error && !data.state) {
        status.textContent = data.error;
        return;
      }
      if (data.state === "done") {
        output.hidden = false;
        output.textContent = data.output || text("textEmpty");
        status.textContent = text("textUsage", {
          model: data.model,
          prompt_tokens: data.prompt_tokens,
          output_tokens: data.output_tokens,
          runs_left: data.runs_left,
        });
        runButtonReady();
      } else if (data.state === "failed") {
        status.textContent = data.error;
        runButtonReady();
      } else {
        status.textContent = text("textWorking", { state: data.state_label });
      }
    }

    function runButtonReady() {
      run.disabled = false;
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      run.disabled = true;
      status.textContent = text("textSending");
      const body = new FormData();
      body.append("prompt", prompt.value);
      body.append("lesson", lesson);
      const reply = await fetch(createUrl, { method: "POST", body, headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } });
      const data = await reply.json();
      if (!reply.ok) {
        status.textContent = data.error;
        runButtonReady();
        return;
      }
      show(data);
      poll(`${createUrl}${data.id}/`);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const prose = document.querySelector(".prose[data-playground-url]");
    if (!prose) return;
    prose.querySelectorAll(".admonition.playground").forEach((box, index) => {
      const { playgroundUrl, lesson, promptMaxChars } = prose.dataset;
      build(box, index, { createUrl: playgroundUrl, lesson, promptMaxChars }, prose.dataset);
    });
  });
})();
