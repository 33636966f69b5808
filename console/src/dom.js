// Building the DOM by hand, without a framework: the console is a few forms and tables, and a
// page that owns its nodes is easy to read and to test.

// h("button", {onclick: save, "data-test": "save"}, "保存"): an element with attributes
// (on* are listeners, `class` and `style` as in HTML, true/false toggle boolean attributes) and
// children (strings become text nodes; null, undefined and false are skipped; arrays flatten).
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "value" && "value" in node) {
      node.value = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) {
      append(node, child);
    } else {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

// Empties a node and puts `children` in it.
export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}
