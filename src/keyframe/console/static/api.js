// The console is an api_v3 client like any other: JSON in ("format": "1"), JSON out.
// The KS lives in this tab's sessionStorage only: never localStorage, never a cookie.

const KS_KEY = "keyframe.ks";

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// Codes that mean the tab's session is no longer usable.
const SESSION_ENDED = new Set(["INVALID_KS", "EXPIRED_KS", "KS_EXPIRED", "USER_BLOCKED"]);

let onSessionEnded = () => {};

export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

export function getKs() {
  return sessionStorage.getItem(KS_KEY);
}

export function setKs(ks) {
  sessionStorage.setItem(KS_KEY, ks);
}

export function clearSession() {
  sessionStorage.removeItem(KS_KEY);
}

export async function call(service, action, params = {}, { withKs = true } = {}) {
  const body = { format: "1", ...params };
  const ks = withKs ? getKs() : null;
  if (ks) body.ks = ks;
  let response;
  try {
    response = await fetch(`/api_v3/service/${service}/action/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError("NETWORK", "Keyframe could not be reached. Check your connection.");
  }
  let result;
  try {
    result = await response.json();
  } catch {
    throw new ApiError("BAD_RESPONSE", `Keyframe answered with HTTP ${response.status}.`);
  }
  if (result && typeof result === "object" && result.objectType === "KalturaAPIException") {
    const error = new ApiError(String(result.code), String(result.message || result.code));
    if (withKs && ks && SESSION_ENDED.has(error.code)) onSessionEnded(error);
    throw error;
  }
  return result;
}
