// Clicks inside results and the reader: [data-copy] copies a citation, [data-open] opens a
// paragraph, section, document or filter in the reader (a new tab still follows the link's
// ?q= address). New results put their address ([data-share]: ?q=…&organ=…) in the address
// bar, so the page can be shared; after the reader changes, the marked paragraph is scrolled
// into view.
const copyText = async (text, button) => {
  let done = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      done = true;
    }
  } catch (e) {}
  if (!done) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { done = document.execCommand("copy"); } catch (e) {}
    area.remove();
  }
  const before = button.textContent;
  button.textContent = done ? "Copied" : "Press Ctrl+C";
  button.classList.add("done");
  setTimeout(() => { button.textContent = before; button.classList.remove("done"); }, 1600);
};

element.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy && element.contains(copy)) {
    event.preventDefault();
    copyText(copy.getAttribute("data-copy"), copy);
    return;
  }
  const link = event.target.closest("[data-open]");
  if (!link || !element.contains(link)) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  trigger("open", { ref: link.getAttribute("data-open") });
});

const reveal = () => {
  const reader = element.querySelector(".reader");
  if (!reader) return;
  const pane = element.closest("#qa-pane");
  const focus = reader.querySelector(".focus");
  const paneScrolls = pane && pane.scrollHeight > pane.clientHeight + 4 &&
    getComputedStyle(pane).overflowY !== "visible";
  if (paneScrolls) {
    // Below the sticky head of the section, or the top when the paragraph is near it.
    const head = reader.querySelector(".reader-head");
    const headHeight = head && getComputedStyle(head).position === "sticky" ? head.offsetHeight : 0;
    const paneTop = pane.getBoundingClientRect().top;
    const at = focus ? focus.getBoundingClientRect().top - paneTop + pane.scrollTop : 0;
    pane.scrollTop = at - headHeight < pane.clientHeight * 0.4 ? 0 : at - headHeight - 8;
  }
  if (reader.hasAttribute("data-jump")) {
    const where = paneScrolls ? pane : (focus || reader);
    const top = where.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) {
      where.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }
};
const share = () => {
  const marker = element.querySelector("[data-share]");
  if (!marker) return;
  try {
    const url = new URL(window.location.href);
    const search = marker.getAttribute("data-share");
    if (url.search.replace(/^\?/, "") === search.replace(/^\?/, "")) return;
    url.search = search;
    window.history.replaceState(null, "", url);
  } catch (e) {}
};

// `watch` runs when the value changes, before the new HTML is on the page: read then, the
// address was the previous search's. Wait for the page to show the new value first, and also
// follow the results wherever they are replaced.
watch("value", () => {
  setTimeout(() => {
    share();
    reveal();
  }, 0);
});
new MutationObserver(share).observe(element, { childList: true, subtree: true });
