// Nothing typed in an exam is lost when the session ends, the network drops or the tab closes.
// Every change to the answer form is kept in this browser (localStorage) until the server has
// acknowledged that very version; the htmx autosave sends it as before. When the server answers
// 401 (the session ended), a prompt asks the learner to sign in again; signing in brings them
// back to this page, which sends whatever is still kept. The server decides, as for any answer:
// after the deadline plus grace the answer is refused, and the learner is told so.
(() => {
  const root = document.querySelector("[data-autosave-attempt]");
  if (!root || !window.localStorage) return;
  const KEY = `exam-unsent:${root.dataset.autosaveAttempt}`;
  const FLASH = `exam-resent:${root.dataset.autosaveAttempt}`;
  const answerUrl = root.dataset.answerUrl;
  const form = document.getElementById("answer-form");
  const prompt = document.getElementById("session-prompt");
  const SKIPPED = new Set(["csrfmiddlewaretoken", "go"]);
  let sequence = Date.now();
  let inFlight = null;
  // The root's data-text-* attributes hold the words in the page's language, with {name} slots.
  const text = (name, values = {}) =>
    root.dataset[name].replace(/\{(\w+)\}/g, (slot, key) => (key in values ? String(values[key]) : slot));

  const load = () => {
    try {
      return JSON.parse(localStorage.getItem(KEY)) || {};
    } catch (error) {
      return {};
    }
  };
  const store = (unsent) => {
    try {
      if (Object.keys(unsent).length) localStorage.setItem(KEY, JSON.stringify(unsent));
      else localStorage.removeItem(KEY);
    } catch (error) {
      // Storage full or disabled: the autosave still works as before, only without this net.
    }
  };
  const forget = (position, seq) => {
    const unsent = load();
    if (unsent[position] && unsent[position].seq === seq) {
      delete unsent[position];
      store(unsent);
    }
  };
  const say = (text, isError) => {
    const status = document.getElementById("save-status") || document.getElementById("unsent-status");
    if (!status) return;
    status.hidden = false;
    status.textContent = text;
    status.classList.toggle("save-error", Boolean(isError));
  };
  const signedOut = () => {
    if (!prompt) return;
    prompt.hidden = false;
    say(text("textSignedOut"), true);
  };
  const messageOf = (xhrOrText, contentType) => {
    if (!contentType || !contentType.includes("html")) return String(xhrOrText).trim();
    const fragment = new DOMParser().parseFromString(xhrOrText, "text/html");
    const status = fragment.getElementById("save-status");
    const error = status && status.querySelector("strong");
    return (error || status || fragment.body).textContent.trim();
  };

  // --- the form on this page ---------------------------------------------------------------
  const remember = () => {
    const fields = [...new FormData(form)].filter(([name]) => !SKIPPED.has(name));
    const position = form.elements.position.value;
    const unsent = load();
    sequence += 1;
    unsent[position] = { fields, seq: sequence, at: Date.now() };
    store(unsent);
  };

  if (form) {
    form.addEventListener("input", remember);
    form.addEventListener("change", remember);
    document.body.addEventListener("htmx:beforeRequest", (event) => {
      if (event.detail.elt !== form) return;
      const entry = load()[form.elements.position.value];
      inFlight = entry ? entry.seq : null;
    });
    document.body.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.elt !== form) return;
      const status = event.detail.xhr.status;
      const position = form.elements.position.value;
      if (status === 401) return; // handled below, for every request of the page
      if (status >= 200 && status < 300) {
        forget(position, inFlight);
      } else if (status >= 400 && status < 500) {
        // A definite refusal of this value (not of the session): say why, and do not send it again.
        forget(position, inFlight);
        const reason = messageOf(event.detail.xhr.responseText, event.detail.xhr.getResponseHeader("Content-Type"));
        say(text("textRefused", { reason }), true);
      } else {
        say(text("textOffline"), true);
      }
    });
  }
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.xhr && event.detail.xhr.status === 401) signedOut();
  });
  document.addEventListener("exam:signed-out", signedOut);

  // --- answers kept from before ------------------------------------------------------------
  const resend = async () => {
    const unsent = load();
    const positions = Object.keys(unsent);
    if (!positions.length) return;
    let saved = 0;
    const refused = [];
    for (const position of positions) {
      const entry = unsent[position];
      const body = new FormData();
      for (const [name, value] of entry.fields) body.append(name, value);
      body.set("csrfmiddlewaretoken", root.dataset.csrf);
      let response;
      try {
        response = await fetch(answerUrl, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "HX-Request": "true" },
        });
      } catch (error) {
        return; // offline: everything stays kept for the next page load
      }
      if (response.status === 401) {
        signedOut();
        return;
      }
      if (response.status >= 500) return;
      const reply = await response.text();
      forget(position, entry.seq);
      if (response.ok && !reply.includes("save-error")) saved += 1;
      else refused.push(text("textRefusedQuestion", { position, reason: messageOf(reply, response.headers.get("Content-Type")) }));
    }
    if (refused.length) {
      say(text("textKeptRefused", { refused: refused.join(" ") }), true);
    } else if (saved && form) {
      // Show the answers as the server now holds them.
      sessionStorage.setItem(FLASH, text(saved === 1 ? "textKeptSavedOne" : "textKeptSavedOther", { count: saved }));
      window.location.reload();
    }
  };

  const flash = sessionStorage.getItem(FLASH);
  if (flash) {
    sessionStorage.removeItem(FLASH);
    say(flash, false);
  }
  resend();
})();
