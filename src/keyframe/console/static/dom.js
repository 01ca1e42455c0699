// Tiny DOM helpers: elements are built with textContent and attributes, never with HTML strings.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

// A decorative 16 px icon from one or more SVG paths (hidden from assistive technology).
export function icon(...paths) {
  const svg = document.createElementNS(SVG_NS, "svg");
  for (const [k, v] of Object.entries({ width: 18, height: 18, viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" })) {
    svg.setAttribute(k, String(v));
  }
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "currentColor");
    svg.append(path);
  }
  return svg;
}

export const ICONS = {
  eye: [
    "M12 5C6.5 5 2.2 8.4 1 12c1.2 3.6 5.5 7 11 7s9.8-3.4 11-7c-1.2-3.6-5.5-7-11-7zm0 11.5A4.5 4.5 0 1 1 12 7.5a4.5 4.5 0 0 1 0 9zm0-7a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z",
  ],
  eyeOff: [
    "M12 7.5a4.5 4.5 0 0 1 4.2 6.1l2.6 2.6A11.6 11.6 0 0 0 23 12c-1.2-3.6-5.5-7-11-7-1.5 0-2.9.3-4.2.7l2.1 2.1c.7-.2 1.4-.3 2.1-.3zM2.7 3.3 1.3 4.7l2.8 2.8A11.4 11.4 0 0 0 1 12c1.2 3.6 5.5 7 11 7 1.7 0 3.3-.3 4.7-.9l2.6 2.6 1.4-1.4zm9.3 13.2A4.5 4.5 0 0 1 7.5 12c0-.7.2-1.4.5-2l1.6 1.6v.4a2.5 2.5 0 0 0 2.5 2.5h.4l1.6 1.6c-.6.3-1.3.4-2.1.4z",
  ],
  copy: [
    "M16 1H4a2 2 0 0 0-2 2v14h2V3h12V1zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm0 16H8V7h11v14z",
  ],
};

export function clear(el) {
  el.replaceChildren();
}
