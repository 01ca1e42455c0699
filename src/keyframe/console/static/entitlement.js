// Settings > Integration > Entitlement: the categories that carry their own privacy-context label (the roots
// of the branches an application such as MediaSpace is integrated with), paginated so that every one is
// reachable, and dialogs to add, change and remove a label. Everything goes through category.list/get/update.

import { call } from "./api.js";
import { h } from "./dom.js";

export const ENTITLEMENT_FEATURE = "FEATURE_ENTITLEMENT";
const UPDATE_PERMISSION = "INTEGRATION_UPDATE_SETTINGS";
const PAGE_SIZE = 20;
const SEARCH_FROM = 3;

const HELP =
  "The Privacy Context Label of each category defined here will automatically be applied to its sub categories. " +
  "The same label should be set as part of the application's session (KS) privileges.";
const ADD_CONFIRM =
  "Entitlement settings will be added to all sub-categories in an asynchronous process. This operation may take a few minutes.\n" +
  "Note: This action may impact access to content in the selected category through existing applications that were not " +
  "updated to work with the Kaltura entitlement services.\nAre you sure you want to continue?";
const editConfirm = (name) =>
  "Entitlement settings will be added to all sub-categories in an asynchronous process. This operation may take a few minutes.\n" +
  `Note: This action may impact access to content in the ${name} category through existing applications that were not ` +
  "updated to work with the Kaltura entitlement services.\nAre you sure you want to continue?";
const deleteConfirm = (name) =>
  "Entitlement settings will be removed from all sub-categories in an asynchronous process. This operation may take a few minutes.\n" +
  `Note: Any previous Content Privacy settings defined for the ${name} category (including all sub-categories) will be lost.\n` +
  "Are you sure you want to continue?";
export const ALREADY_LABELLED = "Category is already set with a Privacy Context Label.";

// Upstream's validators: one or more comma-separated labels, no spaces, each ≥ 4 English letters or digits.
export function labelError(value, emptyMessage = "You must enter a Privacy Context Label.") {
  if (!value) return emptyMessage;
  if (value.length < 4) return "Privacy Context Labels must include at least 4 characters.";
  if (!/^[A-Za-z0-9]{4,}(,[A-Za-z0-9]{4,})*$/.test(value)) {
    return "Privacy Context Labels must include only English alphanumeric characters.";
  }
  return "";
}

export function entitlementCard(perms, card) {
  const canUpdate = perms.has(UPDATE_PERMISSION);
  let page = 1;
  let reload = () => {};
  const section = card(
    "entitlement",
    "Entitlement",
    async (body) => {
      reload = () => load(body);
      await load(body);
    },
    "An error occurred while loading Entitlements.",
  );
  const heading = section.querySelector("h2");
  heading.after(helpTip());

  async function load(body) {
    const [partner, list] = await Promise.all([
      call("partner", "getInfo"),
      call("category", "list", {
        filter: { objectType: "KalturaCategoryFilter", privacyContextEqual: "*", orderBy: "+fullName" },
        pager: { objectType: "KalturaFilterPager", pageSize: PAGE_SIZE, pageIndex: page },
      }),
    ]);
    const total = Number(list.totalCount || 0);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (page > pages) {
      page = pages;
      return load(body);
    }
    const add = h("button", { type: "button", class: "primary", id: "add-entitlement", disabled: !canUpdate }, "Add Entitlement");
    add.addEventListener("click", () => addDialog(add, reload));
    body.replaceChildren(
      h("p", {}, "To add Entitlement Settings for categories, click 'Add Entitlement'."),
      h(
        "p",
        { class: "api-default", id: "api-default" },
        h("strong", {}, "API Default"),
        " ",
        partner.defaultEntitlementEnforcement ? "Entitlement enforcement enabled" : "Entitlement enforcement disabled",
      ),
      h("div", { class: "card-actions" }, add),
      table(list.objects || [], canUpdate, reload),
      pager(total, pages, page, (next) => {
        page = next;
        load(body).then(() => body.querySelector(".pager button:not(:disabled)")?.focus());
      }),
    );
  }
  return section;
}

function helpTip() {
  const tipId = "entitlement-help";
  const tip = h("p", { class: "help-tip", id: tipId, role: "tooltip", hidden: true }, HELP);
  const button = h(
    "button",
    { type: "button", class: "icon-button help-button", "aria-label": "About Entitlement", "aria-expanded": "false", "aria-controls": tipId },
    "?",
  );
  button.addEventListener("click", () => {
    tip.hidden = !tip.hidden;
    button.setAttribute("aria-expanded", String(!tip.hidden));
  });
  return h("div", { class: "help" }, button, tip);
}

function table(rows, canUpdate, reload) {
  const body = h("tbody", {});
  if (!rows.length) body.append(h("tr", {}, h("td", { colspan: "3", class: "empty" }, "No Results")));
  for (const category of rows) {
    body.append(
      h(
        "tr",
        {},
        h("td", { title: category.fullName }, category.fullName),
        h("td", {}, category.privacyContext),
        h("td", { class: "actions" }, rowMenu(category, canUpdate, reload)),
      ),
    );
  }
  return h(
    "table",
    { class: "data-table", id: "entitlement-table" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Application Root Category"),
        h("th", { scope: "col" }, "Privacy Context Label"),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
      ),
    ),
    body,
  );
}

function pager(total, pages, current, go) {
  const previous = h("button", { type: "button", disabled: current <= 1 }, "Previous");
  const next = h("button", { type: "button", disabled: current >= pages }, "Next");
  previous.addEventListener("click", () => go(current - 1));
  next.addEventListener("click", () => go(current + 1));
  return h(
    "nav",
    { class: "pager", "aria-label": "Entitlement pages" },
    previous,
    h("span", { id: "entitlement-page", "aria-live": "polite" }, `Page ${current} of ${pages} (${total} categories)`),
    next,
  );
}

function rowMenu(category, canUpdate, reload) {
  const menuId = `entitlement-menu-${category.id}`;
  const toggle = h(
    "button",
    { type: "button", class: "icon-button kebab", "aria-label": `Actions for ${category.fullName}`, "aria-haspopup": "true", "aria-expanded": "false", "aria-controls": menuId },
    "⋮",
  );
  const edit = h("button", { type: "button", role: "menuitem", disabled: !canUpdate }, "Edit");
  const remove = h("button", { type: "button", role: "menuitem", class: "danger", disabled: !canUpdate }, "Delete");
  const menu = h("div", { class: "row-menu", id: menuId, role: "menu", hidden: true }, edit, remove);
  const close = () => {
    menu.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
  };
  toggle.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
    toggle.setAttribute("aria-expanded", String(!menu.hidden));
    if (!menu.hidden) (canUpdate ? edit : toggle).focus();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      close();
      toggle.focus();
    }
  });
  edit.addEventListener("click", () => {
    close();
    editDialog(category, toggle, reload);
  });
  remove.addEventListener("click", () => {
    close();
    deleteEntitlement(category, toggle, reload);
  });
  return h("div", { class: "menu-wrap" }, toggle, menu);
}

// ---- dialogs ----

// A modal <dialog> that Escape does not close while it is busy; resolves focus back to the opener.
function modal(id, title, opener) {
  const heading = h("h2", { id: `${id}-title` }, title);
  const dialog = h("dialog", { id, class: "entitlement-dialog", "aria-labelledby": `${id}-title`, "aria-modal": "true" }, heading);
  let busy = false;
  const close = () => {
    if (dialog.open) dialog.close();
    dialog.remove();
    opener.focus();
  };
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (!busy) close();
  });
  document.body.append(dialog);
  return {
    dialog,
    close,
    setBusy: (value) => (busy = value),
    show: () => dialog.showModal(),
  };
}

// Yes/No confirmation; resolves true on Yes.
function confirmDialog(title, text, opener) {
  return new Promise((resolve) => {
    const m = modal("entitlement-confirm", title, opener);
    const no = h("button", { type: "button" }, "No");
    const yes = h("button", { type: "button", class: "primary" }, "Yes");
    m.dialog.setAttribute("role", "alertdialog");
    m.dialog.setAttribute("aria-describedby", "entitlement-confirm-text");
    m.dialog.append(h("p", { id: "entitlement-confirm-text", class: "multiline" }, text), h("div", { class: "dialog-buttons" }, no, yes));
    no.addEventListener("click", () => {
      m.close();
      resolve(false);
    });
    yes.addEventListener("click", () => {
      m.close();
      resolve(true);
    });
    m.dialog.addEventListener("cancel", () => resolve(false));
    m.show();
    no.focus();
  });
}

function labelField(id, labelText, initial, emptyMessage) {
  const input = h("input", {
    id,
    type: "text",
    value: initial,
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": `${id}-error`,
  });
  const error = h("p", { class: "form-error", id: `${id}-error`, role: "alert" });
  const validate = (show) => {
    const message = labelError(input.value.trim(), emptyMessage);
    if (show) {
      error.textContent = message;
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    return message === "";
  };
  const field = h(
    "div",
    { class: "field" },
    h("label", { for: id }, labelText, h("span", { class: "required", "aria-hidden": "true" }, " *")),
    input,
    error,
  );
  return { field, input, validate };
}

function addDialog(opener, reload) {
  const m = modal("add-entitlement-dialog", "Add Entitlement", opener);
  const picker = categoryPicker();
  const label = labelField("add-label", "Add Privacy Context Label", "", undefined);
  const failure = h("p", { class: "form-error", id: "add-entitlement-error", role: "alert" });
  const cancel = h("button", { type: "button", class: "text-button" }, "Cancel");
  const apply = h("button", { type: "button", class: "primary", disabled: true }, "Apply");
  const refresh = () => (apply.disabled = !(picker.selected() && label.validate(false)));
  label.input.addEventListener("input", () => {
    label.validate(true);
    refresh();
  });
  label.input.addEventListener("blur", () => label.validate(true));
  picker.onChange(refresh);
  cancel.addEventListener("click", m.close);
  apply.addEventListener("click", async () => {
    if (!(await confirmDialog("Add Entitlement", ADD_CONFIRM, apply))) return;
    const chosen = picker.selected();
    const value = label.input.value.trim();
    m.setBusy(true);
    apply.disabled = cancel.disabled = true;
    failure.textContent = "";
    try {
      const current = await call("category", "get", { id: chosen.id });
      if (current.privacyContext) {
        failure.textContent = ALREADY_LABELLED;
        return;
      }
      await call("category", "update", { id: chosen.id, category: { objectType: "KalturaCategory", privacyContext: value } });
      m.setBusy(false);
      m.close();
      reload();
    } catch (e) {
      failure.textContent = e.message;
    } finally {
      m.setBusy(false);
      cancel.disabled = false;
      refresh();
    }
  });
  m.dialog.append(
    h("p", {}, "Select the root category integrated with your application and label it below."),
    picker.element,
    label.field,
    failure,
    h("div", { class: "dialog-buttons" }, cancel, apply),
  );
  m.show();
  picker.focus();
}

function editDialog(category, opener, reload) {
  const m = modal("edit-entitlement-dialog", "Edit Entitlement", opener);
  const label = labelField("edit-label", "Privacy Context Label", category.privacyContext, "Please enter a Privacy Context Label");
  const failure = h("p", { class: "form-error", id: "edit-entitlement-error", role: "alert" });
  const cancel = h("button", { type: "button", class: "text-button" }, "Cancel");
  const apply = h("button", { type: "button", class: "primary", disabled: true }, "Apply");
  const refresh = () => (apply.disabled = !(label.validate(false) && label.input.value.trim() !== category.privacyContext));
  label.input.addEventListener("input", () => {
    label.validate(true);
    refresh();
  });
  cancel.addEventListener("click", m.close);
  apply.addEventListener("click", async () => {
    if (!(await confirmDialog("Confirm Edit", editConfirm(category.name), apply))) return;
    m.setBusy(true);
    apply.disabled = cancel.disabled = true;
    failure.textContent = "";
    try {
      await call("category", "update", {
        id: category.id,
        category: { objectType: "KalturaCategory", privacyContext: label.input.value.trim() },
      });
      m.setBusy(false);
      m.close();
      reload();
    } catch (e) {
      failure.textContent = e.message;
    } finally {
      m.setBusy(false);
      cancel.disabled = false;
      refresh();
    }
  });
  m.dialog.append(
    h("dl", { class: "info" }, h("div", { class: "row" }, h("dt", {}, "Category Name"), h("dd", { id: "edit-category-name" }, category.name))),
    label.field,
    failure,
    h("div", { class: "dialog-buttons" }, cancel, apply),
  );
  m.show();
  label.input.focus();
}

async function deleteEntitlement(category, opener, reload) {
  if (!(await confirmDialog("Delete Entitlement", deleteConfirm(category.name), opener))) return;
  try {
    await call("category", "update", {
      id: category.id,
      category: { objectType: "KalturaCategory", privacyContext__null: "" },
    });
    reload();
  } catch (e) {
    showAlert("Delete Entitlement", e.message, opener);
  }
}

function showAlert(title, text, opener) {
  const alert = document.getElementById("alert-dialog");
  document.getElementById("alert-title").textContent = title;
  document.getElementById("alert-text").textContent = text;
  const ok = document.getElementById("alert-ok");
  ok.onclick = () => {
    alert.close();
    opener.focus();
  };
  alert.showModal();
  ok.focus();
}

// Category picker: a search box (suggestions from 3 characters) and a tree loaded level by level.
function categoryPicker() {
  let selected = null;
  let changed = () => {};
  const status = h("p", { class: "picker-selected", id: "picker-selected", "aria-live": "polite" }, "Selected: No Selection");
  const select = (category) => {
    selected = category;
    status.textContent = `Selected: ${category.fullName}`;
    for (const node of element.querySelectorAll(".tree-label")) {
      node.setAttribute("aria-pressed", String(node.dataset.id === String(category.id)));
    }
    changed();
  };
  const search = h("input", {
    id: "category-search",
    type: "search",
    placeholder: "Search Categories",
    autocomplete: "off",
    "aria-label": "Search Categories",
    "aria-controls": "category-suggestions",
  });
  const suggestions = h("ul", { class: "suggestions", id: "category-suggestions", "aria-label": "Matching categories" });
  let searchRun = 0;
  search.addEventListener("input", async () => {
    const text = search.value.trim();
    const run = ++searchRun;
    if (text.length < SEARCH_FROM) {
      suggestions.replaceChildren();
      return;
    }
    try {
      const result = await call("category", "list", {
        filter: { objectType: "KalturaCategoryFilter", nameOrReferenceIdStartsWith: text, orderBy: "+fullName" },
        pager: { objectType: "KalturaFilterPager", pageSize: 30, pageIndex: 1 },
      });
      if (run !== searchRun) return;
      suggestions.replaceChildren(
        ...(result.objects || []).map((category) => {
          const text = category.referenceId ? `${category.fullName} (${category.referenceId})` : category.fullName;
          const button = h("button", { type: "button", class: "suggestion" }, text);
          button.addEventListener("click", () => {
            select(category);
            suggestions.replaceChildren();
            search.value = "";
          });
          return h("li", {}, button);
        }),
      );
      if (!result.objects?.length) suggestions.replaceChildren(h("li", { class: "empty" }, "No Results"));
    } catch (e) {
      suggestions.replaceChildren(h("li", { class: "form-error" }, e.message));
    }
  });
  // A nested list of buttons (not an ARIA tree: its keyboard model is more than this picker needs).
  const tree = h("ul", { class: "tree", "aria-label": "Categories", id: "category-tree" });
  const loadLevel = async (parentId, into) => {
    into.replaceChildren(h("li", { class: "hint" }, "Loading…"));
    const items = [];
    for (let pageIndex = 1; ; pageIndex += 1) {
      const result = await call("category", "list", {
        filter: { objectType: "KalturaCategoryFilter", parentIdEqual: parentId, orderBy: "+name" },
        pager: { objectType: "KalturaFilterPager", pageSize: 500, pageIndex },
      });
      items.push(...(result.objects || []));
      if (items.length >= Number(result.totalCount || 0) || !(result.objects || []).length) break;
    }
    into.replaceChildren(...items.map((category) => treeNode(category)));
  };
  const treeNode = (category) => {
    const children = h("ul", { hidden: true });
    const choose = h(
      "button",
      { type: "button", class: "tree-label", "aria-pressed": "false", "data-id": String(category.id) },
      category.name,
    );
    choose.addEventListener("click", () => select(category));
    const parts = [];
    if (Number(category.directSubCategoriesCount || 0) > 0) {
      const expand = h("button", { type: "button", class: "icon-button expander", "aria-expanded": "false", "aria-label": `Expand ${category.name}` }, "▸");
      let loaded = false;
      expand.addEventListener("click", async () => {
        const open = expand.getAttribute("aria-expanded") !== "true";
        expand.setAttribute("aria-expanded", String(open));
        expand.setAttribute("aria-label", `${open ? "Collapse" : "Expand"} ${category.name}`);
        expand.textContent = open ? "▾" : "▸";
        children.hidden = !open;
        if (open && !loaded) {
          loaded = true;
          await loadLevel(category.id, children);
        }
      });
      parts.push(expand);
    } else {
      parts.push(h("span", { class: "expander-space", "aria-hidden": "true" }));
    }
    return h("li", {}, ...parts, choose, children);
  };
  const element = h(
    "div",
    { class: "category-picker" },
    h("div", { class: "field" }, search, suggestions),
    tree,
    status,
  );
  loadLevel(0, tree).catch((e) => tree.replaceChildren(h("li", { class: "form-error" }, e.message)));
  return {
    element,
    selected: () => selected,
    onChange: (fn) => (changed = fn),
    focus: () => search.focus(),
  };
}
