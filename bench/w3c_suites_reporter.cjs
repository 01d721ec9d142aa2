'use strict';
// Mocha reporter used by bench/w3c_suites.py: mocha's own JSON report (reporter option
// `output`), plus a list of when each test and hook began, written to $W3C_SUITES_EVENTS, so
// the script can tell which requests to the service each test made.
const {createRequire} = require('node:module');
const fs = require('node:fs');

const suiteRequire = createRequire(process.cwd() + '/');
const JSONReporter = suiteRequire('mocha/lib/reporters/json.js');

class TimedJSONReporter extends JSONReporter {
  constructor(runner, options) {
    super(runner, options);
    const events = [];
    const title = runnable =>
      typeof runnable.fullTitle === 'function' ? runnable.fullTitle() : runnable.title;
    let current = null;
    runner.on('hook', hook => events.push({
      at: Date.now() / 1000, kind: 'hook', title: title(hook)
    }));
    runner.on('test', test => {
      current = {at: Date.now() / 1000, kind: 'test', title: title(test), state: null};
      events.push(current);
    });
    runner.on('pass', () => {
      if(current) {
        current.state = 'passed';
      }
    });
    runner.on('fail', (runnable, error) => {
      if(runnable.type === 'test' && current) {
        current.state = 'failed';
      } else {
        events.push({at: Date.now() / 1000, kind: 'hook failed', title: title(runnable),
          message: String(error?.message ?? error)});
      }
    });
    runner.once('end', () => {
      if(process.env.W3C_SUITES_EVENTS) {
        fs.writeFileSync(process.env.W3C_SUITES_EVENTS, JSON.stringify(events));
      }
    });
  }
}

module.exports = TimedJSONReporter;
