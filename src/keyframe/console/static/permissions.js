// The user's permissions, computed on load as KMC does: user.get → roleIds; userRole.get for each role →
// permissionNames ("*" = every permission valid for the partner); permission.list typeIn 2,3 for features.

import { call } from "./api.js";

const PAGER = { objectType: "KalturaFilterPager", pageSize: 500, pageIndex: 1 };

// A permission that brings another with it ("linked" permissions in KMC's role editor).
const LINKED = { INTEGRATION_UPDATE_SETTINGS: ["INTEGRATION_BASE"] };

async function allowedOrEmpty(promise, empty) {
  try {
    return await promise;
  } catch (error) {
    // A session without the right to read roles or permissions simply has none of them.
    if (error.code === "SERVICE_FORBIDDEN") return empty;
    throw error;
  }
}

async function listPermissionNames(filter) {
  const params = { pager: PAGER };
  if (filter) params.filter = { objectType: "KalturaPermissionFilter", ...filter };
  const result = await allowedOrEmpty(call("permission", "list", params), { objects: [] });
  return (result.objects || []).map((p) => p.name);
}

export async function loadPermissions() {
  const user = await call("user", "get");
  const roleIds = String(user.roleIds || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const names = new Set();
  let all = roleIds.length === 0 && user.isAdmin === true; // an admin session without roles holds "*"
  const roles = await Promise.all(
    roleIds.map((id) => allowedOrEmpty(call("userRole", "get", { userRoleId: Number(id) }), {})),
  );
  for (const role of roles) {
    for (const name of String(role.permissionNames || "").split(",")) {
      const trimmed = name.trim();
      if (trimmed === "*") all = true;
      else if (trimmed) names.add(trimmed);
    }
  }
  const extra = all ? await listPermissionNames(null) : await listPermissionNames({ typeIn: "2,3" });
  for (const name of extra) names.add(name);
  for (const [name, linked] of Object.entries(LINKED)) {
    if (names.has(name)) for (const other of linked) names.add(other);
  }
  return {
    user,
    has: (...wanted) => wanted.some((name) => names.has(name)),
  };
}
