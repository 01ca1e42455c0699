// The console's entry point: one shell for every page; the URL names the page to render.

import { ApiError, call, clearSession, getKs, setKs, whenSessionEnds } from "./api.js";
import { h } from "./dom.js";
import { loadPermissions } from "./permissions.js";
import { renderIntegration, INTEGRATION_PERMISSIONS } from "./integration.js";

const main = document.getElementById("main");
const NOTICE_KEY = "keyframe.notice";

function setTitle(...parts) {
  document.title = ["Keyframe", ...parts].join(" > ");
}

// A console path to return to after login (never another origin).
function safeNext(value) {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return null;
  if (value === "/" || value.startsWith("/login")) return null;
  return value;
}

function goToLogin(notice) {
  clearSession();
  if (notice) sessionStorage.setItem(NOTICE_KEY, notice);
  const next = safeNext(location.pathname);
  location.replace(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
}

whenSessionEnds(() => goToLogin("Your session has ended. Please log in again."));

// A modal alert (title, text, OK). Escape acts as OK.
export function showAlert(title, text) {
  const dialog = document.getElementById("alert-dialog");
  document.getElementById("alert-title").textContent = title;
  document.getElementById("alert-text").textContent = text;
  return new Promise((resolve) => {
    const ok = document.getElementById("alert-ok");
    const done = () => {
      ok.removeEventListener("click", done);
      dialog.removeEventListener("cancel", done);
      if (dialog.open) dialog.close();
      resolve();
    };
    ok.addEventListener("click", done);
    dialog.addEventListener("cancel", done);
    dialog.showModal();
    ok.focus();
  });
}

function pageError(message, retry) {
  const retryButton = h("button", { type: "button", class: "primary", onclick: retry }, "Retry");
  main.replaceChildren(
    h("div", { class: "page-error", role: "alert" }, h("p", {}, message), retryButton),
  );
  retryButton.focus();
}

// ---- Login ----

function renderLogin() {
  setTitle("Login");
  const notice = sessionStorage.getItem(NOTICE_KEY);
  sessionStorage.removeItem(NOTICE_KEY);
  const error = h("div", { class: "form-error", id: "login-error", role: "alert" });
  const email = h("input", {
    id: "login-email",
    name: "email",
    type: "email",
    autocomplete: "username",
    required: true,
    "aria-describedby": "login-error",
  });
  const password = h("input", {
    id: "login-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    "aria-describedby": "login-error",
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Login");
  const fail = (message, field) => {
    error.textContent = message;
    for (const input of [email, password]) input.removeAttribute("aria-invalid");
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  };
  const form = h(
    "form",
    { class: "login-form", novalidate: true, "aria-labelledby": "login-title" },
    error,
    h("div", { class: "field" }, h("label", { for: "login-email" }, "E-mail"), email),
    h("div", { class: "field" }, h("label", { for: "login-password" }, "Password"), password),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!email.value.trim()) return fail("Enter your e-mail address.", email);
    if (!password.value) return fail("Enter your password.", password);
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = "Logging in…";
    try {
      const ks = await call(
        "user",
        "loginByLoginId",
        // As KMC: the console's session is not subject to entitlement (it manages it).
        { loginId: email.value.trim(), password: password.value, privileges: "disableentitlement,appid:kmc" },
        { withKs: false },
      );
      if (typeof ks !== "string" || !ks) throw new ApiError("BAD_RESPONSE", "Keyframe did not return a session.");
      setKs(ks);
      const next = safeNext(new URLSearchParams(location.search).get("next"));
      location.replace(next || "/home");
    } catch (e) {
      submit.disabled = false;
      submit.textContent = "Login";
      password.value = "";
      if (e.code === "USER_NOT_FOUND" || e.code === "USER_WRONG_PASSWORD" || e.code === "LOGIN_DATA_NOT_FOUND") {
        fail("The e-mail address or password is incorrect.", email);
      } else {
        fail(e.message || "Login failed.", email);
      }
    }
  });
  main.replaceChildren(
    h(
      "div",
      { class: "login-page" },
      h("h1", { id: "login-title" }, "Log in to Keyframe"),
      notice ? h("p", { class: "notice", role: "status" }, notice) : null,
      form,
    ),
  );
  email.focus();
}

// ---- Pages behind a session ----

async function startShell() {
  const topbar = document.getElementById("topbar");
  topbar.hidden = false;
  document.getElementById("logout").onclick = logout;
  const perms = await loadPermissions();
  const user = perms.user;
  document.getElementById("who").textContent = user.fullName || user.email || user.id || "";
  return perms;
}

async function logout() {
  const button = document.getElementById("logout");
  button.disabled = true;
  try {
    await call("session", "end");
  } catch {
    // The session may already be over; the tab forgets it either way.
  }
  clearSession();
  sessionStorage.setItem(NOTICE_KEY, "You have logged out.");
  location.replace("/login");
}

function renderHome(perms) {
  setTitle("Home");
  const name = perms.user.firstName || perms.user.fullName || perms.user.email || "";
  const links = [];
  if (perms.has(...INTEGRATION_PERMISSIONS)) {
    links.push(h("li", {}, h("a", { href: "/settings/integration" }, "Settings > Integration")));
  }
  main.replaceChildren(
    h(
      "div",
      { class: "page" },
      h("h1", {}, "Home"),
      h("p", {}, name ? `Welcome, ${name}.` : "Welcome."),
      links.length ? h("ul", { class: "links" }, links) : h("p", {}, "Your role has no console pages yet."),
    ),
  );
}

async function viewDisabled() {
  setTitle("Settings", "Integration");
  main.replaceChildren(h("div", { class: "page" }, h("h1", {}, "Settings")));
  await showAlert(
    "View Disabled",
    "The requested view cannot be loaded: your role does not include Integration Settings.\n" +
      "Please contact your account administrator.\n\nClick OK to navigate to the main view.",
  );
  location.replace("/home");
}

const PAGES = {
  "/home": renderHome,
  "/settings/integration": (perms) => {
    if (!perms.has(...INTEGRATION_PERMISSIONS)) return viewDisabled();
    setTitle("Settings", "Integration");
    return renderIntegration(main, perms, { onSessionReplaced: goToLogin });
  },
};

async function boot() {
  const path = location.pathname.replace(/\/+$/, "") || "/";
  if (path === "/" || path === "/login") {
    if (getKs()) {
      location.replace(safeNext(new URLSearchParams(location.search).get("next")) || "/home");
      return;
    }
    renderLogin();
    return;
  }
  if (!getKs()) {
    goToLogin(null);
    return;
  }
  const render = PAGES[path];
  const run = async () => {
    main.replaceChildren(h("p", { class: "boot", role: "status" }, "Loading…"));
    let perms;
    try {
      perms = await startShell();
    } catch (e) {
      if (e.code === "INVALID_KS" || e.code === "EXPIRED_KS") return; // already on the way to the login page
      pageError(`Your permissions could not be loaded. ${e.code === "NETWORK" ? e.message : ""}`.trim(), run);
      return;
    }
    if (!render) {
      setTitle("Not found");
      main.replaceChildren(h("div", { class: "page" }, h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "/home" }, "Go to the main view"))));
      return;
    }
    await render(perms);
  };
  await run();
}

boot();
