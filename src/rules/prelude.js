// The sandbox's prelude: evaluated once per worker runtime, before the rules.
//
// It installs the globals a rule may use (`configuration`, `UnauthorizedError`, `console`,
// `setTimeout`, `clearTimeout`, `require`, `global`) and returns the engine's internal
// functions, which stay out of the rules' reach (they are not globals).
//
// `host.log(kind, ruleIndex, text)` writes to the server log and returns whether the request
// may log more console output; `host.settled(ruleIndex)` tells the engine that a rule called
// back; `host.isProxy(value)` tells a Proxy from what it wraps; `host.random()` is a uniform
// double in [0, 1) from the operating system's random source; `host.now()` and
// `host.timeOrigin` count from the process's start, the same in every realm.
(function (host, configurationJson) {
  'use strict';

  const g = globalThis;
  // The engine's own generator keeps its state in the context for every later request.
  Math.random = host.random;
  // The engine's `performance` counts from the context's creation, which would tell a
  // later request whether an earlier one made the worker rebuild its realm.
  g.performance = { now: host.now, timeOrigin: host.timeOrigin };
  // Captured now, so that a rule replacing these globals cannot break the engine.
  const { parse, stringify } = JSON;
  const now = Date.now;
  const MAX_LOG_CHARS = 4096;
  const MAX_MESSAGE_CHARS = 1024;

  // Index of the rule running now; console output is attributed to it.
  let current = -1;
  // Whether this request's console output is still within its budget (the host counts).
  let consoleOpen = true;

  function truncate(text, max) {
    return text.length > max ? text.slice(0, max) + '…' : text;
  }

  function show(value) {
    try {
      if (typeof value === 'string') return value;
      if (value instanceof Error) return String(value.name) + ': ' + String(value.message);
      if (typeof value === 'object' && value !== null) {
        const json = stringify(value);
        return json === undefined ? String(value) : json;
      }
      return String(value);
    } catch (e) {
      return '[unprintable]';
    }
  }

  function format(args) {
    let out = '';
    for (let i = 0; i < args.length && out.length <= MAX_LOG_CHARS; i++) {
      out += (i > 0 ? ' ' : '') + show(args[i]);
    }
    return truncate(out, MAX_LOG_CHARS);
  }

  const console = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = function (...args) {
      if (consoleOpen) consoleOpen = host.log(level, current, format(args));
    };
  }
  Object.freeze(console);

  // Auth0's UnauthorizedError: an Error subclass usable with or without `new`.
  function UnauthorizedError(message) {
    if (!new.target) return new UnauthorizedError(message);
    return Reflect.construct(Error, message === undefined ? [] : [message], new.target);
  }
  UnauthorizedError.prototype = Object.create(Error.prototype, {
    constructor: { value: UnauthorizedError, writable: true, configurable: true },
    name: { value: 'UnauthorizedError', writable: true, configurable: true },
  });
  Object.setPrototypeOf(UnauthorizedError, Error);

  function require(name) {
    let shown;
    try { shown = String(name); } catch (e) { shown = '?'; }
    throw new Error("require('" + truncate(shown, 100) + "'): modules are not available in " +
      'rules (no network or file access)');
  }

  // Timers live here; the engine's event loop asks when the next one is due and runs it.
  const timers = new Map();
  let nextTimerId = 1;

  function setTimeout(fn, ms, ...args) {
    if (typeof fn !== 'function') throw new TypeError('setTimeout: the callback must be a function');
    const delay = Number(ms);
    const id = nextTimerId++;
    timers.set(id, { fn, at: now() + (delay > 0 ? delay : 0), args });
    return id;
  }

  function clearTimeout(id) {
    timers.delete(id);
  }

  function earliestTimer() {
    let best = null;
    for (const [id, timer] of timers) {
      if (best === null || timer.at < best[1].at) best = [id, timer];
    }
    return best;
  }

  function deepFreeze(value) {
    if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) deepFreeze(value[key]);
      Object.freeze(value);
    }
    return value;
  }

  const globals = {
    configuration: deepFreeze(parse(configurationJson)),
    UnauthorizedError, console, require, setTimeout, clearTimeout, global: g,
  };
  for (const name of Object.keys(globals)) {
    Object.defineProperty(g, name, { value: globals[name], writable: false, configurable: false });
  }

  guardArrayMethods(host);

  function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  function messageOf(err) {
    try {
      if (typeof err === 'object' && err !== null && typeof err.message === 'string' && err.message !== '') {
        return truncate(err.message, MAX_MESSAGE_CHARS);
      }
      return truncate(String(err), MAX_MESSAGE_CHARS);
    } catch (e) {
      return 'the rule refused the request';
    }
  }

  // QuickJS runs these generic array methods in C loops that never check the time limit: on
  // an array-like with a huge `length` (or a huge sparse array) they would hold the worker
  // for minutes or forever. The wrappers refuse a length above MAX with a RangeError. The
  // length is read once: anything but a plain array is handed to the method as a view whose
  // `length` is that value, so a getter cannot show a small length here and a huge one to
  // QuickJS. (indexOf, includes and the callback methods check the time limit themselves.)
  function guardArrayMethods(host) {
    const MAX = 10000000;
    const proto = Array.prototype;
    const { apply, get, defineProperty } = Reflect;
    const { isArray } = Array;
    const { trunc, min } = Math;
    const ProxyOf = Proxy;
    const toObject = Object;
    const spreadable = Symbol.isConcatSpreadable;

    function tooLong(len) {
      return new RangeError('array-like length ' + len + ' is above the limit of ' + MAX);
    }

    // `o`, or a view of it with a fixed length (and spreadability, for concat).
    function checked(o, spread) {
      if (isArray(o) && !host.isProxy(o)) {
        // A plain array's length is an own data property: it cannot change under us.
        if (o.length > MAX) throw tooLong(o.length);
        return o;
      }
      const n = trunc(+o.length);
      const len = n > 0 ? min(n, 9007199254740991) : 0;
      if (len > MAX) throw tooLong(len);
      return new ProxyOf(o, {
        __proto__: null,
        get(target, key, receiver) {
          if (key === 'length') return len;
          if (key === spreadable && spread !== undefined) return spread;
          return get(target, key, receiver);
        },
      });
    }

    function onReceiver(original, receiver, args) {
      if (receiver === null || receiver === undefined) return apply(original, receiver, args);
      const o = toObject(receiver);
      const view = checked(o, undefined);
      const result = apply(original, view, args);
      return result === view ? o : result;
    }

    function isSpreadable(value) {
      if (typeof value !== 'object' || value === null) return false;
      const flag = value[spreadable];
      return flag !== undefined ? !!flag : isArray(value);
    }

    // What concat gets for one part: spreadable parts as checked views, the rest as is.
    // (A getter flipping a non-array's isConcatSpreadable is left to the watchdog.)
    function concatPart(part) {
      if (isArray(part) && !host.isProxy(part)) return checked(part, undefined);
      return isSpreadable(part) ? checked(part, true) : part;
    }

    function onConcat(original, receiver, args) {
      if (receiver === null || receiver === undefined) return apply(original, receiver, args);
      // `args` is this call's own array: assigning its elements runs no rule code.
      for (let i = 0; i < args.length; i++) args[i] = concatPart(args[i]);
      return apply(original, concatPart(toObject(receiver)), args);
    }

    function guard(name, wrap) {
      const original = proto[name];
      if (typeof original !== 'function') return;
      const guarded = { [name](...args) { return wrap(original, this, args); } }[name];
      defineProperty(guarded, 'length', { value: original.length, configurable: true });
      defineProperty(proto, name, { value: guarded, writable: true, configurable: true });
    }

    for (const name of ['copyWithin', 'fill', 'flat', 'flatMap', 'join', 'lastIndexOf',
      'reverse', 'shift', 'slice', 'sort', 'splice', 'toLocaleString', 'toReversed',
      'toSorted', 'toSpliced', 'unshift', 'with']) {
      guard(name, onReceiver);
    }
    guard('concat', onConcat);
  }

  // The request being processed: its user and context, the current rule's outcome, and
  // the last rule that changed the role or principal.
  let state = null;

  // For explaining a decision: each own property of `object` as JSON text, and the names
  // whose text differs between two such snapshots.
  function keyed(object) {
    const out = new Map();
    try {
      for (const key of Object.keys(object)) {
        let text;
        try { text = stringify(object[key]); } catch (e) { text = '[unprintable]'; }
        out.set(key, text);
      }
    } catch (e) { /* not an object: no properties */ }
    return out;
  }

  function changed(before, after) {
    const names = [];
    for (const [key, text] of after) if (before.get(key) !== text) names.push(key);
    for (const key of before.keys()) if (!after.has(key)) names.push(key);
    return names;
  }

  function awsOf(context) {
    try { return context.addonConfiguration.aws; } catch (e) { return undefined; }
  }

  // The role and principal a context asks for, as one text (for telling rules apart).
  function choice(context) {
    try {
      const aws = context.addonConfiguration.aws;
      return String(aws.role) + ',' + String(aws.principal);
    } catch (e) {
      return '';
    }
  }

  return {
    begin(userJson, contextJson, trace) {
      consoleOpen = true;
      state = {
        user: parse(userJson), context: parse(contextJson), outcome: null, decider: -1,
        trace: trace ? [] : null,
      };
    },

    // Calls rule `index`; its callback records the outcome and tells the host.
    start(rule, index) {
      const st = state;
      let called = false;
      current = index;
      st.outcome = null;
      const before = choice(st.context);
      const snapshot = st.trace === null ? null : [keyed(st.user), keyed(awsOf(st.context))];
      const callback = function (err, user, context) {
        if (called) {
          host.log('second-callback', index, '');
          return;
        }
        called = true;
        if (err) {
          st.outcome = ['unauthorized', messageOf(err)];
        } else if (user !== undefined && !isObject(user)) {
          st.outcome = ['invalid', 'passed a user that is not an object to callback'];
        } else if (context !== undefined && !isObject(context)) {
          st.outcome = ['invalid', 'passed a context that is not an object to callback'];
        } else {
          if (user !== undefined) st.user = user;
          if (context !== undefined) st.context = context;
          if (choice(st.context) !== before) st.decider = index;
          if (snapshot !== null) {
            st.trace.push({
              rule: index,
              user: changed(snapshot[0], keyed(st.user)),
              aws: changed(snapshot[1], keyed(awsOf(st.context))),
            });
          }
          st.outcome = ['ok', ''];
        }
        host.settled(index);
      };
      rule(st.user, st.context, callback);
    },

    outcome() {
      return state.outcome;
    },

    // Milliseconds until the next timer is due, or -1 when there is none.
    nextTimer() {
      const next = earliestTimer();
      return next === null ? -1 : Math.max(0, next[1].at - now());
    },

    runTimer() {
      const next = earliestTimer();
      if (next === null) return;
      timers.delete(next[0]);
      next[1].fn(...next[1].args);
    },

    finish() {
      const trace = state.trace === null ? '' : stringify(state.trace);
      return [stringify(state.user), stringify(state.context), String(state.decider), trace];
    },

    end() {
      timers.clear();
      nextTimerId = 1;
      state = null;
      current = -1;
    },
  };
})
