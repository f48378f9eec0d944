// kasacloud dashboard: progressive enhancement over plain HTML forms. Without this file every
// control still works (forms post and the page reloads); with it, controls apply in place, the
// server sends back the re-rendered tile, and power figures refresh on their own.
"use strict";

(() => {
  document.documentElement.classList.add("js");
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";
  const pollMs = Number(document.body.dataset.pollMs || 0);
  const messages = document.getElementById("messages");

  function showMessage(text, kind) {
    if (!messages) return;
    const p = document.createElement("p");
    p.className = "message " + kind;
    if (kind === "error") p.setAttribute("role", "alert");
    p.textContent = text;
    messages.replaceChildren(p);
  }

  function clearMessages() {
    if (messages) messages.replaceChildren();
  }

  // Replace a tile with its fresh rendering, keeping keyboard focus on the same control (the
  // controls of a tile are the same before and after, so their position identifies them).
  const FOCUSABLE = 'button, input:not([type="hidden"]), a[href], select, textarea';

  function replaceTile(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    if (!fresh || !fresh.id) return;
    const old = document.getElementById(fresh.id);
    if (!old) return;
    const active = document.activeElement;
    const focusIndex = active && old.contains(active)
      ? Array.from(old.querySelectorAll(FOCUSABLE)).indexOf(active)
      : -1;
    old.replaceWith(fresh);
    if (focusIndex >= 0) {
      const controls = fresh.querySelectorAll(FOCUSABLE);
      const target = controls[Math.min(focusIndex, controls.length - 1)];
      if (target) target.focus();
    }
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch {
      return { error: "The dashboard gave an answer it could not read (HTTP " + response.status + ")." };
    }
  }

  async function submitForm(form) {
    const button = form.querySelector("button.switch, button[type=submit]");
    if (button) button.setAttribute("aria-busy", "true");
    try {
      // getAttribute: a field named "action" (a rule form's) shadows the form's own .action.
      const response = await fetch(form.getAttribute("action"), {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await readJson(response);
      if (response.status === 401) {
        window.location.assign("/signin");
        return;
      }
      if (data.html) replaceTile(data.html);
      // A room's all on / all off and a scene answer every tile they touched.
      for (const html of data.tiles || []) replaceTile(html);
      if (!response.ok || data.error) {
        showMessage(data.error || "Something went wrong (HTTP " + response.status + ").", "error");
      } else if (data.message) {
        showMessage(data.message, "info");
      } else {
        clearMessages();
      }
    } catch {
      showMessage("The dashboard cannot be reached. Is it still running?", "error");
    } finally {
      if (button && button.isConnected) button.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.js) return;
    event.preventDefault();
    submitForm(form);
  });

  // Sliders and colour pickers apply when they change (a slider fires "change" when released or
  // on each arrow key); a short delay folds a burst of key presses into one request.
  const timers = new WeakMap();
  document.addEventListener("change", (event) => {
    const input = event.target;
    const form = input.form;
    if (!form || form.dataset.js !== "auto") return;
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(() => submitForm(form), 150));
  });
  // Show a slider's value as it moves (a temperature slider shown as "—", not in use while the
  // light shows a colour, is in use from the moment it moves).
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.id) return;
    const output = document.querySelector('output[for="' + CSS.escape(input.id) + '"]');
    if (!output) return;
    output.textContent = input.value + (output.dataset.unit || "");
    input.removeAttribute("aria-valuetext");
  });

  // Live power: poll the device list, update power figures in place, and re-render a tile (or a
  // device page's panel) whose state changed elsewhere (a schedule, the Kasa app) unless the user
  // is working inside it. Each such element names the device it watches and where to refresh from.
  async function refresh(element) {
    const response = await fetch(element.dataset.refresh, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (response.ok) replaceTile(await response.text());
  }

  function setPower(id, text) {
    for (const el of document.querySelectorAll('[data-power="' + CSS.escape(id) + '"]')) {
      if (el.textContent !== text) el.textContent = text;
    }
  }

  async function poll() {
    try {
      const response = await fetch("/api/devices", {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.status === 401) {
        window.location.assign("/signin");
        return;
      }
      if (response.ok) {
        const data = await response.json();
        const summary = document.querySelector("[data-summary]");
        if (summary && data.summary) summary.textContent = data.summary;
        for (const device of data.devices) {
          if (device.power_text !== null) setPower(device.id, device.power_text);
          for (const outlet of device.outlets || []) {
            if (outlet.power_text !== null) setPower(outlet.id, outlet.power_text);
          }
          const watchers = document.querySelectorAll('[data-watch="' + CSS.escape(device.id) + '"]');
          for (const element of watchers) {
            if (element.dataset.digest !== device.digest && !element.contains(document.activeElement)) {
              await refresh(element);
            }
          }
        }
      }
    } catch {
      // A missed poll is not worth a message; the next one will tell.
    }
    setTimeout(poll, pollMs);
  }

  if (pollMs > 0) setTimeout(poll, pollMs);
})();
