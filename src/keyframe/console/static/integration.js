// Settings > Integration: a column of cards that load and fail independently: Account Info, Entitlement,
// Zoom integration.

import { call } from "./api.js";
import { clear, h, icon, ICONS } from "./dom.js";
import { ENTITLEMENT_FEATURE, entitlementCard } from "./entitlement.js";
import { zoomCard } from "./zoom.js";

export const INTEGRATION_PERMISSIONS = ["INTEGRATION_BASE", "INTEGRATION_UPDATE_SETTINGS"];

// A fixed run of asterisks: its length says nothing about the secret's.
export const MASK = "*".repeat(44);
const SHOWN_FOR_MS = 60_000;
const STATUS_FOR_MS = 5_000;
const MAX_GRACE_HOURS = 720;

export function renderIntegration(main, perms, { onSessionReplaced }) {
  const cards = h("div", { class: "cards" });
  main.replaceChildren(
    h(
      "div",
      { class: "page settings" },
      h("h1", {}, "Settings"),
      h(
        "nav",
        { class: "tabs", "aria-label": "Settings" },
        h("ul", {}, h("li", {}, h("a", { href: "/settings/integration", "aria-current": "page" }, "Integration"))),
      ),
      cards,
    ),
  );
  cards.append(accountInfoCard(perms, onSessionReplaced));
  // Shown only to accounts with entitlement (the Knowledge Center's rule; kmc-ng dropped the check).
  if (perms.has(ENTITLEMENT_FEATURE)) cards.append(entitlementCard(perms, card));
  // Last, as in KMC (after Teams and Webex, which Keyframe does not have yet).
  cards.append(zoomCard(perms, card));
}

// A card with its own loading and error overlay ("area blocker").
function card(id, title, load, errorText) {
  const heading = h("h2", { id: `${id}-title`, tabindex: "-1" }, title);
  const body = h("div", { class: "card-body" });
  const section = h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, heading, body);
  const run = async (focusAfter) => {
    section.setAttribute("aria-busy", "true");
    body.replaceChildren(
      h(
        "div",
        { class: "blocker", role: "status" },
        h("span", { class: "spinner", "aria-hidden": "true" }),
        `Loading ${title.toLowerCase()}…`,
      ),
    );
    try {
      await load(body);
      section.removeAttribute("aria-busy");
      if (focusAfter) heading.focus();
    } catch (e) {
      section.removeAttribute("aria-busy");
      if (e.code === "INVALID_KS" || e.code === "EXPIRED_KS") return; // the session has ended
      const retry = h("button", { type: "button", class: "primary", onclick: () => run(true) }, "Retry");
      body.replaceChildren(
        h(
          "div",
          { class: "blocker error", role: "alert" },
          h("p", {}, errorText),
          e.message ? h("p", { class: "detail" }, e.message) : null,
          retry,
        ),
      );
      if (focusAfter) retry.focus();
    }
  };
  run(false);
  return section;
}

const SECRETS = {
  admin: {
    key: "adminSecret",
    label: "Administrator Secret",
    noun: "administrator secret",
    restricted: "Restricted to Publisher Administrators",
  },
  user: {
    key: "secret",
    label: "User Secret",
    noun: "user secret",
    restricted: "Restricted to roles with Integration Settings",
  },
};

function accountInfoCard(perms, onSessionReplaced) {
  const canRotate = perms.has("ADMIN_PUBLISHER_MANAGE");
  return card(
    "account-info",
    "Account Info",
    async (body) => {
      const partner = await call("partner", "getInfo");
      const id = String(partner.id);
      const rows = h(
        "dl",
        { class: "info" },
        h("div", { class: "row" }, h("dt", {}, "Partner ID"), h("dd", {}, h("span", { title: id }, id))),
        h("div", { class: "row" }, h("dt", {}, "Sub Partner ID"), h("dd", {}, h("span", { title: `${id}00` }, `${id}00`))),
      );
      for (const type of ["admin", "user"]) {
        rows.append(secretRow(type, partner[SECRETS[type].key], canRotate, onSessionReplaced));
      }
      body.replaceChildren(rows);
    },
    "An error occurred during account info loading.",
  );
}

// One secret's row. The real value lives in `value` (a variable) and reaches the DOM only when revealed.
function secretRow(type, initialValue, canRotate, onSessionReplaced) {
  const spec = SECRETS[type];
  const labelId = `${type}-secret-label`;
  const dd = h("dd", {});
  const row = h("div", { class: "row secret-row", id: `${type}-secret-row` }, h("dt", { id: labelId }, spec.label), dd);
  if (typeof initialValue !== "string" || !initialValue) {
    dd.append(h("span", { class: "restricted" }, spec.restricted));
    return row;
  }
  let value = initialValue;
  let shown = false;
  let hideTimer = null;
  let statusTimer = null;

  const display = h("span", { class: "secret-value", id: `${type}-secret-value` });
  const eye = h("button", { type: "button", class: "icon-button", "aria-pressed": "false" });
  const copy = h(
    "button",
    { type: "button", class: "icon-button", "aria-label": `Copy ${spec.noun}`, title: "Copy to Clipboard" },
    icon(...ICONS.copy),
  );
  const status = h("span", { class: "copy-status", role: "status", "aria-live": "polite" });

  const render = () => {
    clear(display);
    if (shown) {
      display.append(h("code", { class: "secret-text" }, value));
    } else {
      display.append(h("span", { class: "mask", "aria-hidden": "true" }, MASK), h("span", { class: "visually-hidden" }, "hidden"));
    }
    eye.setAttribute("aria-pressed", String(shown));
    eye.setAttribute("aria-label", `${shown ? "Hide" : "Show"} ${spec.noun}`);
    eye.title = `${shown ? "Hide" : "Show"} secret`;
    eye.replaceChildren(icon(...(shown ? ICONS.eyeOff : ICONS.eye)));
  };
  const announce = (text) => {
    status.textContent = text;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => (status.textContent = ""), STATUS_FOR_MS);
  };
  const setShown = (next) => {
    shown = next;
    clearTimeout(hideTimer);
    hideTimer = shown
      ? setTimeout(() => {
          setShown(false);
          announce("Hidden again");
        }, SHOWN_FOR_MS)
      : null;
    render();
  };
  eye.addEventListener("click", () => setShown(!shown));
  copy.addEventListener("click", async () => announce(await copyText(value)));
  render();
  const controls = [eye, copy];
  if (canRotate) {
    const rotate = h("button", { type: "button", class: "text-button", "aria-label": `Rotate ${spec.noun}` }, "Rotate");
    rotate.addEventListener("click", () =>
      rotateDialog(type, rotate, (newValue, graceHours) => {
        value = newValue;
        setShown(false);
        if (type === "admin" && graceHours === 0) {
          onSessionReplaced("The administrator secret that signed your session was retired. Please log in again.");
        }
      }),
    );
    controls.push(rotate);
  }
  dd.append(display, h("span", { class: "secret-controls" }, controls), status);
  return row;
}

async function copyText(text) {
  if (!navigator.clipboard || !navigator.clipboard.writeText) return "Copy to Clipboard is not supported.";
  try {
    await navigator.clipboard.writeText(text);
    return "Copied";
  } catch {
    return "Failed to Copy to Clipboard";
  }
}

// Asks for the grace period, rotates, and shows the new secret once.
function rotateDialog(type, opener, onRotated) {
  const spec = SECRETS[type];
  const titleId = "rotate-title";
  const hintId = "rotate-hint";
  const title = h("h2", { id: titleId }, `Rotate ${spec.noun}`);
  const input = h("input", {
    id: "rotate-grace",
    type: "number",
    inputmode: "numeric",
    min: "0",
    max: String(MAX_GRACE_HOURS),
    step: "1",
    value: "24",
    required: true,
    "aria-describedby": `${hintId} rotate-error`,
  });
  const error = h("p", { class: "form-error", id: "rotate-error", role: "alert" });
  const cancel = h("button", { type: "button" }, "Cancel");
  const submit = h("button", { type: "submit", class: "primary" }, "Rotate");
  const hint =
    `From 0 to ${MAX_GRACE_HOURS} hours; 0 retires the current secret at once.` +
    (type === "admin" ? " Your own session was signed with it and ends when it is retired." : "");
  const form = h(
    "form",
    { novalidate: true },
    h(
      "p",
      {},
      `A new ${spec.noun} replaces the current one. Until the grace period ends, the current secret still starts ` +
        "sessions and the sessions it signed stay valid; then it stops working.",
    ),
    h("div", { class: "field" }, h("label", { for: "rotate-grace" }, "Grace period (hours)"), input, h("p", { class: "hint", id: hintId }, hint)),
    error,
    h("div", { class: "dialog-buttons" }, cancel, submit),
  );
  const dialog = h("dialog", { class: "rotate-dialog", "aria-labelledby": titleId, "aria-modal": "true" }, title, form);
  let result = null;
  let busy = false;
  const finish = () => {
    if (dialog.open) dialog.close();
    dialog.remove();
    opener.focus();
    if (result) onRotated(result.value, result.hours);
  };
  dialog.addEventListener("cancel", (event) => {
    if (busy) event.preventDefault();
    else {
      event.preventDefault();
      finish();
    }
  });
  cancel.addEventListener("click", finish);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    const hours = Number(text);
    if (!/^\d+$/.test(text) || hours > MAX_GRACE_HOURS) {
      error.textContent = `Enter a whole number of hours from 0 to ${MAX_GRACE_HOURS}.`;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    error.textContent = "";
    busy = true;
    submit.disabled = cancel.disabled = input.disabled = true;
    submit.textContent = "Rotating…";
    let partner;
    try {
      partner = await call("partner", "rotateSecret", { secretType: type, gracePeriod: hours * 3600 });
    } catch (e) {
      busy = false;
      submit.disabled = cancel.disabled = input.disabled = false;
      submit.textContent = "Rotate";
      error.textContent = `The secret was not rotated: ${e.message}`;
      input.focus();
      return;
    }
    busy = false;
    const newValue = partner[spec.key];
    result = { value: newValue, hours };
    showNewSecret(dialog, title, spec, newValue, hours, finish);
  });
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
  input.select();
}

function showNewSecret(dialog, title, spec, value, hours, finish) {
  title.textContent = `New ${spec.noun}`;
  const status = h("span", { class: "copy-status", role: "status", "aria-live": "polite" });
  const copy = h("button", { type: "button" }, icon(...ICONS.copy), " Copy");
  copy.setAttribute("aria-label", `Copy new ${spec.noun}`);
  copy.addEventListener("click", async () => {
    status.textContent = await copyText(value);
  });
  const done = h("button", { type: "button", class: "primary" }, "Done");
  done.addEventListener("click", finish);
  const until =
    hours === 0
      ? "The previous secret has stopped working."
      : `The previous secret keeps working for ${hours} hour${hours === 1 ? "" : "s"}.`;
  dialog.replaceChildren(
    title,
    h("p", {}, `This is the only time this dialog shows the new ${spec.noun}. ${until}`),
    h("p", { class: "new-secret" }, h("code", { id: "new-secret-value" }, value)),
    h("p", { class: "copy-line" }, copy, status),
    h("div", { class: "dialog-buttons" }, done),
  );
  copy.focus();
}
