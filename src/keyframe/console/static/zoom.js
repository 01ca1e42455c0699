// Settings > Integration > Zoom integration: the Zoom accounts linked to this partner (at most the server's
// limit, three by default), the "Generate integration code" dialog (the code masked like the Account Info
// secrets, its expiry shown), the "Edit Zoom account" panel with every integration setting, Enable/Disable
// and Remove. Managing needs ADMIN_PUBLISHER_MANAGE; the server checks it on every call, and the console
// shows the section read-only without it.

import { call } from "./api.js";
import { clear, h, icon, ICONS } from "./dom.js";

export const MANAGE_PERMISSION = "ADMIN_PUBLISHER_MANAGE";
const SERVICE = "vendor_zoomvendor";
const MASK = "*".repeat(44);
const SHOWN_FOR_MS = 60_000;
const STATUS_FOR_MS = 5_000;
const DEFAULT_LIMIT = 3;
const RESTRICTED = "Managing Zoom accounts is restricted to Publisher Administrators.";

// The reference's texts.
const TEXT = {
  title: "Zoom integration",
  generate: "Generate integration code",
  accounts: "Zoom integrated accounts",
  empty: "There are no active Zoom accounts.",
  loadError: "An error occurred while loading zoom integration profiles.",
  codeTitle: "Integration code",
  codeLabel: "Zoom integration code",
  codeError: "An error occurred during integration code generation.",
  copied: "Copied to clipboard",
  updateError: "An error occurred during zoom integration update.",
  editTitle: "Edit Zoom account",
  groupsRequired: "Must fill in at least one group",
  defaultUserRequired: "Default user ID is required.",
  cmsHelp:
    "Choose this option when you like to map 'user_id' with a specific field such as SSO. For more details on " +
    "CMS ID, look for 'cms_user_id' in the following link.",
};
const ZOOM_USER_API_DOCS = "https://developers.zoom.us/docs/api/rest/reference/user/methods/#operation/user";

// KalturaHandleParticipantsMode: 0 co-publishers, 1 co-viewers, 2 ignore, 3 co-editors, 4 both.
const HOSTS_MODES = [
  ["2", "None"],
  ["1", "Co-Viewer"],
  ["0", "Co-Publisher"],
  ["3", "Co-Editor"],
  ["4", "Co-Editor & Co-Publisher"],
];
const PARTICIPANT_MODES = [
  ["2", "Ignore participants"],
  ["1", "Add as co-viewer"],
  ["0", "Add as co-publishers"],
];
// KalturaZoomUsersMatching: 0 do not modify, 1 add postfix, 2 remove postfix, 3 CMS matching.
const POSTFIX_MODES = [
  ["0", "Do not modify"],
  ["2", "Remove postfix"],
  ["1", "Add postfix"],
];
const CMS_MATCHING = "3";
// KalturaZoomUsersSearchMethod: 0 e-mail, 1 external id.
const SEARCH_METHODS = [
  ["0", "Email"],
  ["1", "External ID (Use with SSO)"],
];
// KalturaZoomGroupParticipationType: 0 all, 1 opt-in, 2 opt-out.
const GROUP_TYPES = [
  ["0", "Upload all recordings"],
  ["1", "Opt-in groups"],
  ["2", "Opt-out groups"],
];

// ---- values ----

// Kaltura's booleans arrive as true/false, 1/0 or a KalturaNullableBoolean (-1 = null).
function isTrue(value) {
  return value === true || value === 1 || value === "1" || value === "true";
}
// KalturaNullableBoolean on the wire: 1 true, 0 false.
const flag = (value) => (value ? 1 : 0);
function isPresent(value) {
  return value !== null && value !== undefined && value !== -1 && value !== "-1" && value !== "";
}

// Epoch seconds (number or string) → a medium date in a <time> element.
function dateCell(seconds) {
  const n = Number(seconds);
  if (!seconds || !Number.isFinite(n)) return "";
  const when = new Date(n * 1000);
  return h("time", { datetime: when.toISOString(), title: when.toLocaleString() }, when.toLocaleDateString(undefined, { dateStyle: "medium" }));
}

function formatDateTime(seconds) {
  return new Date(Number(seconds) * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// authorizationStatus (Keyframe's extension): authorized, needsReauthorization, deauthorized.
export function statusText(integration) {
  if (integration.authorizationStatus === "needsReauthorization") return "Needs re-authorization";
  if (integration.authorizationStatus === "deauthorized") return "Removed in Zoom";
  // Compared with "true" explicitly: a null (-1) reads as Disabled, not Enabled (the reference's defect).
  return isTrue(integration.enableRecordingUpload) ? "Enabled" : "Disabled";
}

// Categories: full paths nested with ">", separated by commas. Returns [normalized value, error].
export function parseCategories(text) {
  const paths = [];
  for (const raw of text.split(",")) {
    if (!raw.trim()) continue;
    const parts = raw.split(">").map((part) => part.trim());
    if (parts.some((part) => !part)) {
      return ["", `"${raw.trim()}" has an empty level: nest categories as Parent>Child, with a name on each side of ">".`];
    }
    if (parts.some((part) => part.length > 60)) return ["", "A category name can have at most 60 characters."];
    const path = parts.join(">");
    if (!paths.includes(path)) paths.push(path);
  }
  return [paths.join(","), ""];
}

function splitGroups(text) {
  return [...new Set(String(text || "").split(/[\r\n,]+/).map((g) => g.trim()).filter(Boolean))];
}

const STATUS_HELP = {
  "Needs re-authorization": "Generate a new integration code and install the app in Zoom again.",
  "Removed in Zoom": "The app was removed in Zoom; imported recordings are kept.",
};

// ---- the card ----

export function zoomCard(perms, card) {
  const canManage = perms.has(MANAGE_PERMISSION);
  let reload = () => Promise.resolve();
  // Outside the card's body, which each reload replaces: what was done stays announced.
  const announcer = h("p", { class: "visually-hidden", id: "zoom-status", role: "status", "aria-live": "polite" });
  const announce = (text) => (announcer.textContent = text);
  const section = card(
    "zoom",
    TEXT.title,
    async (body) => {
      reload = () => load(body);
      await load(body);
    },
    TEXT.loadError,
  );

  async function load(body) {
    let list = null;
    try {
      list = await call(SERVICE, "list");
    } catch (e) {
      // Without ADMIN_PUBLISHER_MANAGE the server refuses the list: the section says so, read-only.
      if (canManage || !["SERVICE_FORBIDDEN", "PERMISSION_NOT_FOUND"].includes(e.code)) throw e;
    }
    const generate = h("button", { type: "button", class: "primary", id: "zoom-generate" }, TEXT.generate);
    generate.addEventListener("click", () => codeDialog(generate));
    const explain = (text) => {
      generate.disabled = true;
      generate.setAttribute("aria-describedby", "zoom-generate-why");
      return h("p", { class: "hint", id: "zoom-generate-why" }, text);
    };
    const subtitle = h("h3", { id: "zoom-accounts-title" }, TEXT.accounts);
    if (!list) {
      body.replaceChildren(
        h("div", { class: "card-actions zoom-actions" }, explain(RESTRICTED), generate),
        h("div", { class: "zoom-subtitle" }, subtitle),
        h("p", { class: "restricted", id: "zoom-restricted" }, "Restricted to Publisher Administrators"),
      );
      return;
    }
    const rows = [...(list.objects || [])].sort((a, b) => Number(b.updatedAt || 0) - Number(a.updatedAt || 0));
    const limit = Number(list.accountsLimit ?? DEFAULT_LIMIT);
    const used = Number(list.accountsUsed ?? list.totalCount ?? rows.length);
    let why = null;
    if (!canManage) why = explain(RESTRICTED);
    else if (used >= limit) why = explain(`All ${limit} Zoom accounts are in use. Remove an account to link another one.`);
    body.replaceChildren(
      h("div", { class: "card-actions zoom-actions" }, why, generate),
      h("div", { class: "zoom-subtitle" }, subtitle, h("p", { class: "zoom-count", id: "zoom-count" }, `${used} of ${limit} accounts`)),
      table(rows, canManage, { reload, announce }),
      h(
        "p",
        { class: "zoom-limit-note", id: "zoom-limit-note" },
        `* The number of Zoom accounts for Keyframe integration is limited to ${limit} accounts.`,
      ),
    );
  }
  section.append(announcer);
  return section;
}

function table(rows, canManage, ctx) {
  const body = h("tbody", {});
  if (!rows.length) body.append(h("tr", {}, h("td", { colspan: "6", class: "empty" }, TEXT.empty)));
  for (const integration of rows) {
    const id = String(integration.accountId);
    const description = integration.zoomAccountDescription || "";
    const status = statusText(integration);
    const idCell = canManage
      ? h("button", { type: "button", class: "link-button", title: id, "aria-label": `Edit Zoom account ${id}` }, id)
      : h("span", { title: id }, id);
    if (canManage) idCell.addEventListener("click", () => editPanel(integration, idCell, ctx));
    body.append(
      h(
        "tr",
        { "data-account-id": id },
        h("td", { class: "truncate" }, idCell),
        h("td", { class: "truncate", title: description || null }, description),
        h("td", {}, dateCell(integration.createdAt)),
        h("td", {}, dateCell(integration.updatedAt)),
        h(
          "td",
          { class: `zoom-status status-${status.split(" ")[0].toLowerCase()}` },
          status,
          STATUS_HELP[status] ? h("span", { class: "status-help" }, STATUS_HELP[status]) : null,
          integration.lastError ? h("span", { class: "status-help" }, integration.lastError) : null,
        ),
        h("td", { class: "actions" }, rowMenu(integration, canManage, ctx)),
      ),
    );
  }
  return h(
    "table",
    { class: "data-table zoom-table", id: "zoom-table", "aria-labelledby": "zoom-accounts-title" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col", class: "w20" }, "Zoom account ID"),
        h("th", { scope: "col" }, "Account description"),
        h("th", { scope: "col", class: "w20" }, "Creation date"),
        h("th", { scope: "col", class: "w20" }, "Updated at"),
        h("th", { scope: "col", class: "w10" }, "Status"),
        h("th", { scope: "col", class: "actions" }, h("span", { class: "visually-hidden" }, "Actions")),
      ),
    ),
    body,
  );
}

function rowMenu(integration, canManage, ctx) {
  const id = String(integration.accountId);
  const menuId = `zoom-menu-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const enabled = isTrue(integration.enableRecordingUpload);
  const toggle = h(
    "button",
    { type: "button", class: "icon-button kebab", "aria-label": `Actions for Zoom account ${id}`, "aria-haspopup": "true", "aria-expanded": "false", "aria-controls": menuId },
    "⋮",
  );
  const edit = h("button", { type: "button", role: "menuitem", disabled: !canManage }, "Edit");
  const flip = h("button", { type: "button", role: "menuitem", disabled: !canManage }, enabled ? "Disable" : "Enable");
  const remove = h("button", { type: "button", role: "menuitem", class: "danger", disabled: !canManage }, "Remove");
  const items = [edit, flip, remove];
  const menu = h("div", { class: "row-menu", id: menuId, role: "menu", "aria-label": `Zoom account ${id}`, hidden: true }, items);
  const close = () => {
    menu.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
  };
  toggle.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
    toggle.setAttribute("aria-expanded", String(!menu.hidden));
    if (!menu.hidden) (canManage ? edit : toggle).focus();
  });
  menu.addEventListener("keydown", (event) => {
    const enabledItems = items.filter((item) => !item.disabled);
    const at = enabledItems.indexOf(document.activeElement);
    if (event.key === "Escape") {
      close();
      toggle.focus();
    } else if (event.key === "ArrowDown" && enabledItems.length) {
      event.preventDefault();
      enabledItems[(at + 1) % enabledItems.length].focus();
    } else if (event.key === "ArrowUp" && enabledItems.length) {
      event.preventDefault();
      enabledItems[(at - 1 + enabledItems.length) % enabledItems.length].focus();
    }
  });
  menu.addEventListener("focusout", (event) => {
    if (!menu.contains(event.relatedTarget) && event.relatedTarget !== toggle) close();
  });
  edit.addEventListener("click", () => {
    close();
    editPanel(integration, toggle, ctx);
  });
  flip.addEventListener("click", async () => {
    close();
    toggle.disabled = true;
    try {
      await setEnabled(integration, !enabled);
      ctx.announce(`Zoom account ${id} ${enabled ? "disabled" : "enabled"}.`);
      await ctx.reload();
      focusRowMenu(id);
    } catch (e) {
      toggle.disabled = false;
      showAlert(TEXT.title, `${TEXT.updateError}\n${e.message}`, toggle);
    }
  });
  remove.addEventListener("click", async () => {
    close();
    const yes = await confirmDialog(
      "Remove Zoom account",
      `Remove the Zoom account ${id}${integration.zoomAccountDescription ? ` (${integration.zoomAccountDescription})` : ""}?\n` +
        "Keyframe stops importing its recordings and forgets its Zoom tokens. Recordings already imported are kept.\n" +
        "To link it again, generate a new integration code.\nAre you sure you want to continue?",
      toggle,
    );
    if (!yes) return;
    try {
      await removeIntegration(integration);
      ctx.announce(`Zoom account ${id} removed.`);
      await ctx.reload();
      document.getElementById("zoom-title")?.focus();
    } catch (e) {
      showAlert("Remove Zoom account", e.message, toggle);
    }
  });
  return h("div", { class: "menu-wrap" }, toggle, menu);
}

function focusRowMenu(accountId) {
  const row = [...document.querySelectorAll("#zoom-table tbody tr")].find((tr) => tr.dataset.accountId === accountId);
  row?.querySelector(".kebab")?.focus();
}

// ---- server calls ----

// The panel's fields (the server takes the fields to change; the panel sends all it shows).
async function submitRegistration(integration, changes) {
  return call(SERVICE, "submitRegistration", {
    accountId: String(integration.accountId),
    integrationSetting: { objectType: "KalturaZoomIntegrationSetting", ...changes },
  });
}

// Enable/Disable: status 2 ACTIVE, 1 DISABLED.
function setEnabled(integration, enabled) {
  return call("vendor_vendorintegration", "updateStatus", { id: integration.id, status: enabled ? 2 : 1 });
}

// Remove: status 3 DELETED on the server, which frees a slot of the limit.
function removeIntegration(integration) {
  return call("vendor_vendorintegration", "delete", { integrationId: integration.id });
}

// ---- dialogs ----

function modal(id, title, opener, { className = "zoom-dialog" } = {}) {
  const heading = h("h2", { id: `${id}-title`, tabindex: "-1" }, title);
  const dialog = h("dialog", { id, class: className, "aria-labelledby": `${id}-title`, "aria-modal": "true" });
  let busy = false;
  const close = () => {
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener.isConnected) opener.focus();
  };
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (!busy) close();
  });
  document.body.append(dialog);
  return { dialog, heading, close, setBusy: (value) => (busy = value), show: () => dialog.showModal() };
}

function confirmDialog(title, text, opener) {
  return new Promise((resolve) => {
    const m = modal("zoom-confirm", title, opener);
    const no = h("button", { type: "button" }, "No");
    const yes = h("button", { type: "button", class: "primary" }, "Yes");
    m.dialog.setAttribute("role", "alertdialog");
    m.dialog.setAttribute("aria-describedby", "zoom-confirm-text");
    m.dialog.append(m.heading, h("p", { id: "zoom-confirm-text", class: "multiline" }, text), h("div", { class: "dialog-buttons" }, no, yes));
    const done = (answer) => {
      m.close();
      resolve(answer);
    };
    no.addEventListener("click", () => done(false));
    yes.addEventListener("click", () => done(true));
    m.dialog.addEventListener("cancel", () => resolve(false));
    m.show();
    no.focus();
  });
}

function showAlert(title, text, opener) {
  const alert = document.getElementById("alert-dialog");
  document.getElementById("alert-title").textContent = title;
  document.getElementById("alert-text").textContent = text;
  const ok = document.getElementById("alert-ok");
  const done = () => {
    ok.removeEventListener("click", done);
    alert.removeEventListener("close", done);
    if (alert.open) alert.close();
    if (opener.isConnected) opener.focus();
  };
  ok.addEventListener("click", done);
  alert.addEventListener("close", done);
  alert.showModal();
  ok.focus();
}

async function copyText(text) {
  if (!navigator.clipboard || !navigator.clipboard.writeText) return false;
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

// Generate integration code: minted as the dialog opens; masked like the secrets (eye, copy without
// revealing), its expiry shown. Clicking outside does not close it; Escape does (as Cancel).
function codeDialog(opener) {
  const m = modal("zoom-code-dialog", TEXT.codeTitle, opener);
  const cancel = h("button", { type: "button" }, "Cancel");
  const copyAndClose = h("button", { type: "button", class: "primary", disabled: true }, "Copy and close");
  const content = h("div", { class: "zoom-code-body" });
  const status = h("p", { class: "copy-status", id: "zoom-code-status", role: "status", "aria-live": "polite" });
  let code = "";
  let statusTimer = null;
  let hideTimer = null;
  const announce = (text) => {
    status.textContent = text;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => (status.textContent = ""), STATUS_FOR_MS);
  };
  const finish = () => {
    clearTimeout(statusTimer);
    clearTimeout(hideTimer);
    code = "";
    m.close();
  };
  cancel.addEventListener("click", finish);
  m.dialog.addEventListener("close", () => {
    clearTimeout(statusTimer);
    clearTimeout(hideTimer);
  });
  copyAndClose.addEventListener("click", async () => {
    // Upstream's toast says so whether or not the copy worked; here it tells the truth.
    const ok = await copyText(code);
    if (!ok) {
      announce("Failed to Copy to Clipboard");
      return;
    }
    finish();
    const live = document.getElementById("zoom-status");
    if (live) live.textContent = TEXT.copied;
  });

  const generate = async () => {
    copyAndClose.disabled = true;
    content.replaceChildren(
      h("div", { class: "blocker", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Generating the integration code…"),
    );
    let result;
    try {
      result = await call(SERVICE, "generateIntegrationCode");
    } catch (e) {
      const retry = h("button", { type: "button", class: "primary" }, "Retry");
      const close = h("button", { type: "button" }, "Close");
      retry.addEventListener("click", generate);
      close.addEventListener("click", finish);
      content.replaceChildren(
        h(
          "div",
          { class: "blocker error", role: "alert", id: "zoom-code-error" },
          h("p", {}, TEXT.codeError),
          e.message ? h("p", { class: "detail" }, e.message) : null,
          h("div", { class: "dialog-buttons" }, close, retry),
        ),
      );
      cancel.hidden = copyAndClose.hidden = true;
      retry.focus();
      return;
    }
    cancel.hidden = copyAndClose.hidden = false;
    // Copied without line breaks (upstream's KMCNG-2382).
    code = String(result.code || "").replace(/\s+/g, "");
    const expiresAt = Number(result.expiresAt || 0);
    const lifetime = Number(result.expiresIn || 0);
    content.replaceChildren(codeField(code, announce, (timer) => (hideTimer = timer)), expiryText(expiresAt, lifetime), status);
    copyAndClose.disabled = !code;
    content.querySelector("button")?.focus();
  };

  m.dialog.append(
    m.heading,
    content,
    h("div", { class: "dialog-buttons", id: "zoom-code-buttons" }, cancel, copyAndClose),
  );
  m.show();
  m.heading.focus();
  generate();
}

function codeField(code, announce, setHideTimer) {
  let shown = false;
  const display = h("span", { class: "secret-value zoom-code-value", id: "zoom-code-value", "aria-labelledby": "zoom-code-label" });
  const eye = h("button", { type: "button", class: "icon-button", "aria-pressed": "false" });
  const copy = h(
    "button",
    { type: "button", class: "icon-button", "aria-label": "Copy integration code", title: "Copy to Clipboard" },
    icon(...ICONS.copy),
  );
  let hideTimer = null;
  const render = () => {
    clear(display);
    if (shown) display.append(h("code", { class: "secret-text" }, code));
    else display.append(h("span", { class: "mask", "aria-hidden": "true" }, MASK), h("span", { class: "visually-hidden" }, "hidden"));
    eye.setAttribute("aria-pressed", String(shown));
    eye.setAttribute("aria-label", `${shown ? "Hide" : "Show"} integration code`);
    eye.title = `${shown ? "Hide" : "Show"} code`;
    eye.replaceChildren(icon(...(shown ? ICONS.eyeOff : ICONS.eye)));
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
    setHideTimer(hideTimer);
    render();
  };
  eye.addEventListener("click", () => setShown(!shown));
  copy.addEventListener("click", async () => announce((await copyText(code)) ? "Copied" : "Failed to Copy to Clipboard"));
  render();
  return h(
    "div",
    { class: "field zoom-code-field" },
    h("span", { class: "field-label", id: "zoom-code-label" }, TEXT.codeLabel),
    h("div", { class: "secret-line" }, display, h("span", { class: "secret-controls" }, eye, copy)),
  );
}

function expiryText(expiresAt, lifetime) {
  const parts = ["This code is temporary and can be used only once."];
  if (expiresAt) {
    const hours = lifetime ? Math.round(lifetime / 3600) : 0;
    parts.push(
      `It expires on ${formatDateTime(expiresAt)}` + (hours ? ` (valid for ${hours} hour${hours === 1 ? "" : "s"}).` : "."),
    );
  }
  parts.push("Enter it in Keyframe's page when you install the Keyframe app in Zoom.");
  return h(
    "p",
    { class: "hint zoom-code-expiry", id: "zoom-code-expiry" },
    parts.join(" "),
    expiresAt ? h("time", { class: "visually-hidden", datetime: new Date(expiresAt * 1000).toISOString() }, "") : null,
  );
}

// ---- Edit Zoom account panel ----

let fieldSeq = 0;

function switchField(id, label, checked, [on, off]) {
  const input = h("input", { type: "checkbox", role: "switch", id, checked: !!checked });
  const state = h("span", { class: "switch-state", "aria-hidden": "true" }, checked ? on : off);
  input.addEventListener("change", () => (state.textContent = input.checked ? on : off));
  const field = h("div", { class: "field switch-field" }, h("label", { for: id }, label), h("span", { class: "switch" }, input, state));
  return { field, input };
}

function selectField(id, label, options, value) {
  const select = h("select", { id }, options.map(([v, text]) => h("option", { value: v, selected: String(value) === v }, text)));
  return { field: h("div", { class: "field" }, h("label", { for: id }, label), select), input: select };
}

function radioGroup(name, legend, options, value, { legendClass = "" } = {}) {
  const inputs = [];
  const items = options.map(([v, text]) => {
    const id = `${name}-${v}-${++fieldSeq}`;
    const input = h("input", { type: "radio", name, id, value: v, checked: String(value) === v });
    inputs.push(input);
    return h("div", { class: "radio" }, input, h("label", { for: id }, text));
  });
  const fieldset = h("fieldset", { class: "radios" }, h("legend", { class: legendClass }, legend), items);
  return {
    fieldset,
    inputs,
    value: () => inputs.find((i) => i.checked)?.value ?? null,
    onChange: (fn) => inputs.forEach((i) => i.addEventListener("change", fn)),
  };
}

function textField(id, label, value, { hint = "", placeholder = "", required = false } = {}) {
  const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
  const input = h("input", { type: "text", id, value: value ?? "", placeholder: placeholder || null, autocomplete: "off", spellcheck: "false", "aria-describedby": describedBy });
  const error = h("p", { class: "form-error", id: `${id}-error`, role: "alert" });
  const labelEl = h("label", { for: id }, label, required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null);
  const field = h("div", { class: "field" }, labelEl, input, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null, error);
  const setError = (message) => {
    error.textContent = message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  return { field, input, setError };
}

const CATEGORY_HINT = "Full category paths, nested with \">\" and separated by commas, e.g. MediaSpace>site>channels>Zoom. Missing categories are created.";

function editPanel(integration, opener, ctx) {
  const id = String(integration.accountId);
  const m = modal("zoom-edit-panel", TEXT.editTitle, opener, { className: "side-panel" });
  const form = h("form", { novalidate: true, id: "zoom-edit-form" });
  const failure = h("p", { class: "form-error", id: "zoom-edit-error", role: "alert" });
  const cancel = h("button", { type: "button", class: "text-button" }, "Cancel");
  const save = h("button", { type: "submit", class: "primary", form: "zoom-edit-form" }, "Save");

  const enable = switchField("zoom-enable", "Enable integration", isTrue(integration.enableRecordingUpload), ["Yes", "No"]);
  const accountRow = h(
    "div",
    { class: "field" },
    h("span", { class: "field-label", id: "zoom-account-id-label" }, "Zoom account ID"),
    h("span", { class: "readonly-value", id: "zoom-account-id", "aria-labelledby": "zoom-account-id-label zoom-account-id" }, id),
  );
  const description = textField("zoom-description", "Zoom account description", integration.zoomAccountDescription || "");
  const hasMeetingUpload = isPresent(integration.enableMeetingUpload);
  const meetings = switchField(
    "zoom-meeting-upload",
    "Upload meeting recordings",
    hasMeetingUpload ? isTrue(integration.enableMeetingUpload) : true,
    ["Enabled", "Disabled"],
  );
  const meetingCategory = textField("zoom-category", "Category", integration.zoomCategory || "", { hint: CATEGORY_HINT });
  const webinars = switchField(
    "zoom-webinar-upload",
    "Upload webinar recordings",
    isPresent(integration.enableWebinarUploads) ? isTrue(integration.enableWebinarUploads) : true,
    ["Enabled", "Disabled"],
  );
  const webinarCategory = textField("zoom-webinar-category", "Webinar category", integration.zoomWebinarCategory || "", { hint: CATEGORY_HINT });

  const groupType = radioGroup("zoom-groups-type", "Upload recordings management", GROUP_TYPES, String(integration.groupParticipationType ?? 0));
  const initialGroups =
    String(integration.groupParticipationType) === "1" ? integration.optInGroupNames : String(integration.groupParticipationType) === "2" ? integration.optOutGroupNames : "";
  const groups = textField("zoom-groups", "Group IDs", splitGroups(initialGroups).join(", "), {
    hint: "Separated by commas.",
    required: true,
  });

  const optional = [];
  let deletion = null;
  if (isPresent(integration.deletionPolicy)) {
    deletion = switchField("zoom-deletion", "Delete content from Zoom after upload", isTrue(integration.deletionPolicy), ["Yes", "No"]);
    optional.push(deletion.field);
  }
  let transcription = null;
  if (isPresent(integration.enableZoomTranscription)) {
    transcription = switchField("zoom-transcription", "Zoom transcription", isTrue(integration.enableZoomTranscription), ["Yes", "No"]);
    optional.push(transcription.field);
  }

  const altHosts = selectField("zoom-alt-hosts", "Alternative hosts", HOSTS_MODES, integration.handleAlternativeHostsMode ?? 2);
  const coHosts = selectField("zoom-co-hosts", "Co-Hosts", HOSTS_MODES, integration.handleCohostsMode ?? 2);
  const participants = selectField("zoom-participants", "Participants", PARTICIPANT_MODES, integration.handleParticipantsMode ?? 0);

  const matching = String(integration.zoomUserMatchingMode ?? 0);
  const ownerSource = radioGroup("zoom-owner-source", "Set user based on", [["zoom", "Zoom user"], ["cms", "CMS user"]], matching === CMS_MATCHING ? "cms" : "zoom");
  const postfixMode = radioGroup("zoom-postfix-mode", "Zoom user", POSTFIX_MODES, matching === CMS_MATCHING ? "0" : matching, { legendClass: "sub-legend" });
  const postfix = textField("zoom-postfix", "Postfix", integration.zoomUserPostfix || "", { placeholder: "@kaltura.com" });
  const cmsHelpId = "zoom-cms-help";
  const cmsHelp = h("p", { class: "help-tip", id: cmsHelpId, role: "tooltip", hidden: true }, TEXT.cmsHelp, " ", h("a", { href: ZOOM_USER_API_DOCS, target: "_blank", rel: "noopener noreferrer" }, "Zoom API: users"));
  const cmsHelpButton = h("button", { type: "button", class: "icon-button help-button", "aria-label": "About CMS user", "aria-expanded": "false", "aria-controls": cmsHelpId }, "?");
  cmsHelpButton.addEventListener("click", () => {
    cmsHelp.hidden = !cmsHelp.hidden;
    cmsHelpButton.setAttribute("aria-expanded", String(!cmsHelp.hidden));
  });
  ownerSource.inputs.find((i) => i.value === "cms").parentElement.append(h("div", { class: "help inline-help" }, cmsHelpButton, cmsHelp));
  const searchMethod = radioGroup("zoom-search-method", "Find user by", SEARCH_METHODS, String(integration.userSearchMethod ?? 0));

  const create = isTrue(integration.createUserIfNotExist);
  const missingUser = radioGroup(
    "zoom-missing-user",
    "In case the user doesn't exist",
    [["create", "Create new user based on Zoom user"], ["default", "Use default user"]],
    create ? "create" : "default",
  );
  const defaultUser = textField("zoom-default-user", "Default user ID", integration.defaultUserId || "", { required: true });

  const dependents = () => {
    const on = enable.input.checked;
    for (const control of form.querySelectorAll("input, select, button")) {
      if (control === enable.input || control === cmsHelpButton) continue;
      control.disabled = !on;
    }
    if (!on) return;
    meetings.input.disabled = !hasMeetingUpload;
    meetingCategory.input.disabled = !meetings.input.checked;
    webinarCategory.input.disabled = !webinars.input.checked;
    groups.field.hidden = groupType.value() === "0";
    const cms = ownerSource.value() === "cms";
    postfixMode.inputs.forEach((i) => (i.disabled = cms));
    postfix.input.disabled = cms || postfixMode.value() === "0";
    defaultUser.input.disabled = missingUser.value() !== "default";
  };

  // The save rule (upstream's, plus the category and postfix checks): each message under its field.
  const validate = (show) => {
    const errors = [];
    const check = (field, message) => {
      if (show) field.setError(message);
      if (message) errors.push(field);
    };
    if (!enable.input.checked) {
      for (const f of [meetingCategory, webinarCategory, groups, postfix, defaultUser]) if (show) f.setError("");
      return [];
    }
    check(meetingCategory, meetingCategory.input.disabled ? "" : parseCategories(meetingCategory.input.value)[1]);
    check(webinarCategory, webinarCategory.input.disabled ? "" : parseCategories(webinarCategory.input.value)[1]);
    check(groups, groupType.value() !== "0" && !splitGroups(groups.input.value).length ? TEXT.groupsRequired : "");
    check(postfix, !postfix.input.disabled && !postfix.input.value.trim() ? "Enter the postfix." : "");
    check(defaultUser, missingUser.value() === "default" && !defaultUser.input.value.trim() ? TEXT.defaultUserRequired : "");
    return errors;
  };
  const refresh = () => {
    dependents();
    const errors = validate(true);
    save.disabled = errors.length > 0;
  };
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);

  const collect = () => {
    const type = groupType.value();
    const cms = ownerSource.value() === "cms";
    const changes = {
      enableRecordingUpload: enable.input.checked ? 1 : 0,
      zoomAccountDescription: description.input.value.trim(),
      enableWebinarUploads: flag(webinars.input.checked),
      zoomCategory: parseCategories(meetingCategory.input.value)[0],
      zoomWebinarCategory: parseCategories(webinarCategory.input.value)[0],
      groupParticipationType: Number(type),
      optInGroupNames: type === "1" ? splitGroups(groups.input.value).join("\r\n") : "",
      optOutGroupNames: type === "2" ? splitGroups(groups.input.value).join("\r\n") : "",
      handleAlternativeHostsMode: Number(altHosts.input.value),
      handleCohostsMode: Number(coHosts.input.value),
      handleParticipantsMode: Number(participants.input.value),
      zoomUserMatchingMode: Number(cms ? CMS_MATCHING : postfixMode.value()),
      zoomUserPostfix: postfix.input.value.trim(),
      userSearchMethod: Number(searchMethod.value()),
      createUserIfNotExist: flag(missingUser.value() === "create"),
      defaultUserId: defaultUser.input.value.trim(),
    };
    if (hasMeetingUpload) changes.enableMeetingUpload = flag(meetings.input.checked);
    if (deletion) changes.deletionPolicy = flag(deletion.input.checked);
    if (transcription) changes.enableZoomTranscription = flag(transcription.input.checked);
    return changes;
  };

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const errors = validate(true);
    if (errors.length) {
      errors[0].input.focus();
      return;
    }
    busy = true;
    m.setBusy(true);
    save.disabled = cancel.disabled = true;
    save.textContent = "Saving…";
    failure.textContent = "";
    try {
      await submitRegistration(integration, collect());
    } catch (e) {
      busy = false;
      m.setBusy(false);
      save.disabled = cancel.disabled = false;
      save.textContent = "Save";
      failure.textContent = `${TEXT.updateError} ${e.message}`;
      return;
    }
    m.setBusy(false);
    m.close();
    ctx.announce(`Zoom account ${id} saved.`);
    await ctx.reload();
    focusRowMenu(id);
  });
  cancel.addEventListener("click", () => !busy && m.close());

  form.append(
    enable.field,
    accountRow,
    description.field,
    h("div", { class: "field-pair" }, meetings.field, meetingCategory.field),
    h("div", { class: "field-pair" }, webinars.field, webinarCategory.field),
    groupType.fieldset,
    groups.field,
    ...optional,
    h("h3", {}, "Configure users permissions for uploaded recordings"),
    altHosts.field,
    coHosts.field,
    participants.field,
    h("h3", {}, "Setting owner for recordings"),
    ownerSource.fieldset,
    h("div", { class: "nested" }, postfixMode.fieldset, postfix.field),
    searchMethod.fieldset,
    missingUser.fieldset,
    h("div", { class: "nested" }, defaultUser.field),
  );
  m.dialog.append(
    h("div", { class: "panel-header" }, m.heading, h("div", { class: "panel-buttons" }, cancel, save)),
    failure,
    h("div", { class: "panel-body" }, form),
  );
  refresh();
  m.show();
  enable.input.focus();
}
