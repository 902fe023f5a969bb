// The lockdown: evaluated once per worker realm, after the prelude and the rules.
//
// Every object reachable from the global object (and the built-ins reachable only through
// values, such as the iterator and generator prototypes) is frozen, as are the compiled
// rules. So a rule cannot leave state behind for a later request in a built-in, and user
// data cannot pollute a prototype even within its own request: a deep merge of
// `{"__proto__": {"groups": ["admins"]}}` assigns to a frozen Object.prototype and has no
// effect. The global object itself stays open, so rules may set globals; `restore()` puts
// its properties back as they are now after every request.
//
// Freezing a prototype would stop ordinary assignments such as `err.name = 'X'` or
// `obj.toString = f` (an inherited read-only property blocks them): those few properties
// become accessors whose setter defines the property on the object assigned to.
//
// `eval` is removed, and so are `WeakRef` and `FinalizationRegistry` (a cleanup callback
// could run during a later request). Two pieces of engine state outside any object are
// handled apart: Error's stack-trace settings are removed (below), and `Math.random` and
// `performance` come from the host (the prelude), since the engine's generator state would
// let one request read or steer the numbers of the next, and its clock origin would tell
// whether an earlier request made the realm be rebuilt.
(function (rules) {
  'use strict';

  const g = globalThis;
  const { getPrototypeOf, getOwnPropertyDescriptor, defineProperty, freeze, isExtensible, is } = Object;
  const { ownKeys } = Reflect;
  const deleteProperty = Reflect.deleteProperty;
  const defineOn = Reflect.defineProperty;

  for (const name of ['eval', 'WeakRef', 'FinalizationRegistry']) deleteProperty(g, name);

  // The engine keeps these two in the context, behind native setters that freezing does
  // not stop: a stack-trace hook planted by one request would see every later request's
  // errors (and, through its call sites, the engine's own functions), and a limit with a
  // valueOf would run a rule's code in later requests. Removed while Error can still
  // lose properties; nothing can reach the setters afterwards.
  for (const name of ['prepareStackTrace', 'stackTraceLimit']) {
    if (!deleteProperty(Error, name)) throw new TypeError('cannot remove Error.' + name);
  }

  // Built-ins that no global property leads to: reached through values of each kind.
  function hidden() {
    const out = [];
    function* generator() {}
    async function asyncFunction() {}
    async function* asyncGenerator() {}
    out.push(generator, generator(), asyncFunction, asyncGenerator, asyncGenerator());
    out.push(async () => {}, () => {}, class {});
    out.push([].values(), new Map().entries(), new Set().values(), ''[Symbol.iterator]());
    out.push('a'.matchAll(/a/g), getPrototypeOf(Int8Array));
    if (typeof Iterator === 'function' && typeof Iterator.from === 'function') {
      out.push(Iterator.from({ next() { return { done: true, value: undefined }; } }));
      out.push([].values().map((x) => x));
    }
    out.push((function () { return arguments; })(), (function () { 'use strict'; return arguments; })());
    const caller = getOwnPropertyDescriptor(Function.prototype, 'caller');
    if (caller) out.push(caller.get, caller.set);
    return out;
  }

  // Every object and function reachable from the roots, by property and prototype.
  function reachable(roots) {
    const seen = new Set();
    const queue = roots.slice();
    while (queue.length > 0) {
      const value = queue.pop();
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
      if (seen.has(value)) continue;
      seen.add(value);
      queue.push(getPrototypeOf(value));
      for (const key of ownKeys(value)) {
        const d = getOwnPropertyDescriptor(value, key);
        if (d === undefined) continue;
        if ('value' in d) queue.push(d.value);
        else queue.push(d.get, d.set);
      }
    }
    return seen;
  }

  const OVERRIDABLE = ['constructor', 'toString', 'toLocaleString', 'valueOf', 'name', 'message',
    'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'];

  function allowOverrides(home) {
    for (const key of OVERRIDABLE) {
      const d = getOwnPropertyDescriptor(home, key);
      if (d === undefined || !('value' in d) || !d.writable || !d.configurable) continue;
      const value = d.value;
      // Methods, not function expressions: they have no `prototype` object to leave open.
      const { get, set } = {
        get() { return value; },
        set(v) {
          // On the built-in itself the assignment does nothing, as on any frozen object.
          if (this === home) return;
          defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
        },
      };
      freeze(get);
      freeze(set);
      defineProperty(home, key, { get, set, enumerable: d.enumerable, configurable: false });
    }
  }

  const all = reachable([g, ...hidden(), ...rules]);
  all.delete(g);
  for (const object of all) allowOverrides(object);
  for (const object of all) freeze(object);

  const globals = new Map();
  for (const key of ownKeys(g)) globals.set(key, getOwnPropertyDescriptor(g, key));
  const globalPrototype = getPrototypeOf(g);

  function same(a, b) {
    return a !== undefined && is(a.value, b.value) && is(a.get, b.get) && is(a.set, b.set) &&
      a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable;
  }

  // Puts the global object back as the lockdown left it; false when it cannot be (a rule
  // froze it or defined a global that cannot be deleted), and the realm must be rebuilt.
  function restore() {
    if (!isExtensible(g)) return false;
    if (getPrototypeOf(g) !== globalPrototype && !Reflect.setPrototypeOf(g, globalPrototype)) return false;
    for (const key of ownKeys(g)) {
      if (!globals.has(key) && !deleteProperty(g, key)) return false;
    }
    for (const [key, d] of globals) {
      if (!same(getOwnPropertyDescriptor(g, key), d) && !defineOn(g, key, d)) return false;
    }
    return true;
  }
  return restore;
})
