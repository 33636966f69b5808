// Policies travel as JSON from the gateway and are edited as YAML text; the gateway reads admin
// bodies as YAML, so the text is sent as typed and its problems come back with the line of the
// text at fault. Only writing is needed here: a policy is a map of scalars, lists and maps.

const plain = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_.\-/\u0080-\uffff]*(\.\*)?$/;
const reserved = /^(true|false|null|yes|no|on|off|y|n)$/i;

function scalar(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  const text = String(value);
  // A JSON string is a valid YAML double-quoted scalar; plain text stays plain for readability.
  return plain.test(text) && !reserved.test(text) ? text : JSON.stringify(text);
}

function lines(value, indent, out) {
  for (const [key, item] of Object.entries(value)) {
    const head = `${indent}${scalar(key)}:`;
    if (Array.isArray(item)) {
      if (item.length === 0) {
        out.push(`${head} []`);
        continue;
      }
      out.push(head);
      for (const element of item) {
        if (element !== null && typeof element === "object") {
          out.push(`${indent}  -`);
          lines(element, indent + "    ", out);
        } else {
          out.push(`${indent}  - ${scalar(element)}`);
        }
      }
    } else if (item !== null && typeof item === "object") {
      if (Object.keys(item).length === 0) {
        out.push(`${head} {}`);
        continue;
      }
      out.push(head);
      lines(item, indent + "  ", out);
    } else {
      out.push(`${head} ${scalar(item)}`);
    }
  }
  return out;
}

// {id: "a", allow: ["x.*"]} -> "id: a\nallow:\n  - x.*\n"
export function toYaml(document) {
  return lines(document, "", []).join("\n") + "\n";
}

// The top-level `id:` of a YAML text, to know which policy a draft puts (null without one).
export function idOf(text) {
  const found = /^id:[ \t]*(.*?)[ \t]*$/m.exec(text);
  if (!found || found[1] === "") return null;
  const value = found[1].replace(/[ \t]+#.*$/, "");
  if (/^".*"$/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value.slice(1, -1);
    }
  }
  if (/^'.*'$/.test(value)) return value.slice(1, -1).replace(/''/g, "'");
  return value;
}

// A line diff of two texts (longest common subsequence; policies are short) as rows for a
// side-by-side view: {left, right, leftLine, rightLine, kind: same|changed|removed|added}.
export function sideBySide(before, after) {
  const a = before.replace(/\n$/, "").split("\n");
  const b = after.replace(/\n$/, "").split("\n");
  const common = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; --i) {
    for (let j = b.length - 1; j >= 0; --j) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1
                                   : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const rows = [];
  let removed = [];
  let added = [];
  // Lines removed and added between two common lines face each other as changed lines.
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); ++k) {
      const left = removed[k];
      const right = added[k];
      rows.push({
        left: left?.text, leftLine: left?.line, right: right?.text, rightLine: right?.line,
        kind: left && right ? "changed" : left ? "removed" : "added",
      });
    }
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      rows.push({ left: a[i], leftLine: i + 1, right: b[j], rightLine: j + 1, kind: "same" });
      ++i;
      ++j;
    } else if (j >= b.length || (i < a.length && common[i + 1][j] >= common[i][j + 1])) {
      removed.push({ text: a[i], line: i + 1 });
      ++i;
    } else {
      added.push({ text: b[j], line: j + 1 });
      ++j;
    }
  }
  flush();
  return rows;
}
