"use strict";
// Run before every script, in the same realm: builds `tools` from the granted
// functions and the one native call, then removes the native names from the global
// object so that scripts see only `tools`, `input`, `console` and `print`.
(() => {
  const call = globalThis.__cemcp_call;
  const names = globalThis.__cemcp_functions;
  delete globalThis.__cemcp_call;
  delete globalThis.__cemcp_functions;

  class ToolError extends Error {
    constructor(message) {
      super(message);
      this.name = "ToolError";
    }
  }

  // `files.read` -> tools.files.read; dashes become underscores in JavaScript names.
  const ident = (name) => name.replaceAll("-", "_");
  const tools = {};
  for (const name of names) {
    const dot = name.indexOf(".");
    const tool = name.slice(0, dot);
    const fn = name.slice(dot + 1);
    const group = (tools[ident(tool)] ??= {});
    group[ident(fn)] = function (args) {
      if (arguments.length > 1) {
        throw new TypeError(`${name}: pass one object of arguments, e.g. ${name}({ ... })`);
      }
      const outcome = call(tool, fn, args === undefined ? {} : args);
      if ("ok" in outcome) return outcome.ok;
      if (outcome.refused) throw new TypeError(`${name}: ${outcome.error}`);
      throw new ToolError(`${name} failed: ${outcome.error}`);
    };
  }
  // A name that is not granted: the host says why (not granted to this profile, or
  // no such function).
  const refuse = (tool, fn) => {
    throw new TypeError(call(tool, fn, {}).error ?? `${tool}.${fn} is not available here`);
  };
  const guard = (target, tool) =>
    new Proxy(target, {
      get(object, name) {
        if (typeof name !== "string" || name in object) return object[name];
        return tool === undefined ? refuse(name, "") : refuse(tool, name);
      },
    });
  const proxied = {};
  for (const [name, group] of Object.entries(tools)) {
    const tool = names.find((n) => ident(n.slice(0, n.indexOf("."))) === name);
    proxied[name] = guard(Object.freeze(group), tool.slice(0, tool.indexOf(".")));
  }
  Object.defineProperty(globalThis, "tools", { value: guard(Object.freeze(proxied)), enumerable: true });
  Object.defineProperty(globalThis, "ToolError", { value: ToolError });
})();
