// Ordering questions: reorder the items by dragging them or with the Move up / Move down buttons
// (keyboard), and the position drop-downs, which stay as the no-JavaScript answer, follow along.
// Changing a drop-down fires "change", so the exam's autosave sends the new order as before.
(() => {
  function positionsFromOrder(list) {
    const items = [...list.querySelectorAll(".order-item")];
    items.forEach((item, index) => {
      const select = item.querySelector("select");
      select.value = String(index + 1);
    });
    items[0]?.querySelector("select").dispatchEvent(new Event("change", { bubbles: true }));
  }

  function announce(list, text) {
    const region = list.parentElement.querySelector(".order-announcer");
    if (region) region.textContent = text;
  }

  // The label's visually hidden prefix ("Position of:", in the page's language) is left out.
  function itemName(item) {
    const label = item.querySelector("label").cloneNode(true);
    label.querySelectorAll(".visually-hidden").forEach((hidden) => hidden.remove());
    return label.textContent.trim();
  }

  // The list's data-text-* attributes hold the words in the page's language, with {name} slots.
  function text(list, name, values = {}) {
    return list.dataset[name].replace(/\{(\w+)\}/g, (slot, key) => (key in values ? String(values[key]) : slot));
  }

  function move(list, item, step) {
    const items = [...list.querySelectorAll(".order-item")];
    const target = items.indexOf(item) + step;
    if (target < 0 || target >= items.length) return;
    if (step < 0) list.insertBefore(item, items[target]);
    else list.insertBefore(item, items[target].nextSibling);
    positionsFromOrder(list);
    announce(list, text(list, "textMoved", { item: itemName(item), position: target + 1, total: items.length }));
  }

  function sortByRanks(list) {
    const items = [...list.querySelectorAll(".order-item")];
    const ranks = items.map((item) => Number(item.querySelector("select").value));
    if (ranks.every((rank) => rank > 0)) {
      items.map((item, index) => [ranks[index], item]).sort((a, b) => a[0] - b[0]).forEach(([, item]) => list.appendChild(item));
    }
  }

  function enhance(list) {
    if (list.dataset.enhanced || list.querySelector("select[disabled]")) return;
    list.dataset.enhanced = "1";
    sortByRanks(list);
    const announcer = document.createElement("p");
    announcer.className = "visually-hidden order-announcer";
    announcer.setAttribute("aria-live", "polite");
    list.after(announcer);
    let dragged = null;
    list.querySelectorAll(".order-item").forEach((item) => {
      item.draggable = true;
      item.classList.add("is-sortable");
      const controls = document.createElement("span");
      controls.className = "order-controls";
      for (const [label, step] of [[text(list, "textMoveUp"), -1], [text(list, "textMoveDown"), 1]]) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button button-secondary button-small";
        button.textContent = step < 0 ? "↑" : "↓";
        button.setAttribute("aria-label", `${label}: ${itemName(item)}`);
        button.addEventListener("click", () => { move(list, item, step); button.focus(); });
        controls.appendChild(button);
      }
      item.appendChild(controls);
      item.addEventListener("dragstart", (event) => {
        dragged = item;
        item.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
      });
      item.addEventListener("dragend", () => {
        item.classList.remove("is-dragging");
        dragged = null;
        positionsFromOrder(list);
      });
      item.addEventListener("dragover", (event) => {
        if (!dragged || dragged === item) return;
        event.preventDefault();
        const box = item.getBoundingClientRect();
        const after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll(".order-list").forEach(enhance));
})();
