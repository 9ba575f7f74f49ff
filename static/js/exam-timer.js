// The exam countdown. The server owns the clock: this script only displays the
// remaining seconds it was given, re-synced from the status endpoint, so a reload,
// another tab or a wrong computer clock changes nothing. Without JavaScript the page
// still shows the time left when it loaded and the deadline.
(() => {
  const timer = document.getElementById("exam-timer");
  if (!timer) return;
  const display = document.getElementById("timer-display");
  const announcer = document.getElementById("timer-announcer");
  const button = document.getElementById("announce-time");
  const SYNC_MS = 20000;
  const THRESHOLDS = [300, 60];
  let endsAt = performance.now() + Number(timer.dataset.remaining) * 1000;
  let lastSeconds = Number(timer.dataset.remaining);
  let finishing = false;

  const remaining = () => Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));

  const format = (seconds) => {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  };

  // The timer's data-text-* attributes hold the words in the page's language, with {name} slots.
  const text = (name, values = {}) =>
    timer.dataset[name].replace(/\{(\w+)\}/g, (slot, key) => (key in values ? String(values[key]) : slot));

  const spoken = (seconds) => {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    const parts = [];
    if (m) parts.push(text(m === 1 ? "textMinutesOne" : "textMinutesOther", { minutes: m }));
    if (s || !m) parts.push(text(s === 1 ? "textSecondsOne" : "textSecondsOther", { seconds: s }));
    return text("textRemaining", { time: parts.join(" ") });
  };

  const announce = (text) => {
    // Clearing first makes screen readers repeat an identical message.
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 50);
  };

  const csrfToken = () => {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  const finish = async () => {
    if (finishing) return;
    finishing = true;
    timer.classList.add("is-up");
    announce(text("textTimeUp"));
    // Send the answer on screen once more, then submit; the server refuses anything after its own deadline.
    const form = document.getElementById(timer.dataset.answerForm);
    try {
      if (form) await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
      const body = new URLSearchParams({ csrfmiddlewaretoken: csrfToken() });
      await fetch(timer.dataset.submitUrl, { method: "POST", body, credentials: "same-origin" });
    } finally {
      window.location.reload();
    }
  };

  const tick = () => {
    const seconds = remaining();
    display.textContent = format(seconds);
    timer.classList.toggle("is-low", seconds <= 300 && seconds > 60);
    timer.classList.toggle("is-critical", seconds <= 60);
    for (const threshold of THRESHOLDS) {
      if (lastSeconds > threshold && seconds <= threshold) announce(spoken(seconds));
    }
    lastSeconds = seconds;
    if (seconds === 0) finish();
  };

  const sync = async () => {
    try {
      const response = await fetch(timer.dataset.statusUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (response.status === 401) {
        // Signed out: the autosave script asks the learner to sign in again; keep counting meanwhile.
        document.dispatchEvent(new CustomEvent("exam:signed-out"));
        return;
      }
      if (!response.ok) return;
      const status = await response.json();
      if (status.state !== "open") { window.location.reload(); return; }
      endsAt = performance.now() + status.remaining_seconds * 1000;
      tick();
    } catch (error) {
      // Offline for a moment: keep counting locally; the next sync corrects any drift.
    }
  };

  button.hidden = false;
  button.addEventListener("click", () => announce(spoken(remaining())));
  tick();
  window.setInterval(tick, 1000);
  window.setInterval(sync, SYNC_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) sync(); });
})();
