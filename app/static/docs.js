// Renders /openapi.json as a readable page, with no third-party code and no network beyond this service.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  children.flat(Infinity).forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return node;
}

function resolve(doc, schema) {
  if (schema && schema.$ref) {
    return resolve(doc, schema.$ref.split("/").slice(1).reduce((node, key) => node[key], doc));
  }
  return schema || {};
}

function typeOf(doc, schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(doc, s)).join(" | ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === "array") return typeOf(doc, schema.items) + "[]";
  return schema.type || "any";
}

function propertiesTable(doc, schema) {
  const resolved = resolve(doc, schema);
  const props = resolved.properties || {};
  const required = new Set(resolved.required || []);
  const rows = Object.entries(props).map(([name, prop]) =>
    el("tr", {}, el("td", {}, el("code", {}, name), required.has(name) ? " *" : ""),
      el("td", {}, typeOf(doc, prop)), el("td", {}, prop.description || prop.pattern || "")));
  return rows.length ? el("table", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"),
    el("th", {}, "notes")), rows) : el("p", {}, typeOf(doc, schema));
}

function operation(doc, path, method, op) {
  const section = el("section", { class: "op", id: op.operationId },
    el("h3", {}, el("span", { class: "method " + method }, method.toUpperCase()), " ", el("code", {}, path)),
    el("p", {}, op.summary || ""));
  if (op.security && op.security.length === 0) section.append(el("p", { class: "note" }, "No credentials needed."));
  if ((op.parameters || []).length) {
    section.append(el("h4", {}, "Parameters"), el("table", {},
      el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "type")),
      op.parameters.map((p) => el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in),
        el("td", {}, typeOf(doc, p.schema))))));
  }
  if (op.requestBody) {
    section.append(el("h4", {}, "Body (application/json)"),
      propertiesTable(doc, op.requestBody.content["application/json"].schema));
  }
  section.append(el("h4", {}, "Responses"), el("ul", {}, Object.entries(op.responses).map(([status, r]) =>
    el("li", {}, el("code", {}, status), " ", r.description,
      r.content ? " (" + Object.keys(r.content).join(", ") + ")" : ""))));
  return section;
}

async function main() {
  const root = document.getElementById("docs");
  try {
    const reply = await fetch("/openapi.json");
    const doc = await reply.json();
    document.title = doc.info.title + " API";
    root.replaceChildren(el("h1", {}, doc.info.title, " ", el("small", {}, doc.info.version)),
      el("p", {}, doc.info.description),
      el("p", {}, "Authenticate with ", el("code", {}, "Authorization: Bearer <key or JWT>"), " or ",
        el("code", {}, "X-API-Key: <key>"), ". Raw document: ", el("a", { href: "/openapi.json" }, "/openapi.json")),
      ...Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => operation(doc, path, method, op))));
    root.setAttribute("data-ready", "true");
  } catch (error) {
    root.replaceChildren(el("p", { class: "error" }, "Could not load /openapi.json: " + error));
  }
}

main();
