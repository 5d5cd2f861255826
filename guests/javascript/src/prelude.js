// Evaluated once, when the engine is initialized (and so in the snapshot every run
// starts from): takes the native refusal call out of the global object and returns
// the installer a run calls with its `tools`.
"use strict";
(() => {
  const call = globalThis.__cemcp_call;
  delete globalThis.__cemcp_call;

  class ToolError extends Error {
    constructor(message) {
      super(message);
      this.name = "ToolError";
    }
  }
  Object.defineProperty(globalThis, "ToolError", { value: ToolError });

  // A name that is not granted: the host says why (not granted to this profile, or
  // no such function).
  const refuse = (tool, fn) => {
    throw new TypeError(call(tool, fn, {}).error ?? `${tool}.${fn} is not available here`);
  };
  // The prototype of `tools` and of each tool's object: granted names are own
  // properties and never reach it; a missing name does, and is refused. Names every
  // object answers (`toString`, `toJSON`, `then`, symbols) answer as usual.
  const refusing = (tool) =>
    new Proxy(Object.create(Object.prototype), {
      get(target, name, receiver) {
        if (typeof name !== "string" || name in target || name === "toJSON" || name === "then") {
          return Reflect.get(target, name, receiver);
        }
        return tool === undefined ? refuse(name, "") : refuse(tool, name);
      },
    });

  // Called once per run with `tools` (one object per granted tool, its functions
  // native: see lib.rs) and the tool names behind its keys.
  return (tools, names) => {
    for (const [key, group] of Object.entries(tools)) {
      Object.setPrototypeOf(group, refusing(names[key]));
      Object.freeze(group);
    }
    Object.setPrototypeOf(tools, refusing(undefined));
    Object.defineProperty(globalThis, "tools", { value: Object.freeze(tools), enumerable: true });
  };
})();
