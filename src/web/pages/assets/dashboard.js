// kugetsu dashboard: the only client script. Hand-written, no framework, no build, no external
// assets; served by kugetsu from /assets/dashboard.js under a Content-Security-Policy without
// inline script. Without it every page still works (plain links and a reload show the same data).
//
// What it does:
// - keeps every <time data-rel> relative text ("3 min ago") and every [data-elapsed-since]
//   elapsed time current;
// - listens to the live events (GET /api/events, Server-Sent Events; EventSource resumes with
//   Last-Event-ID by itself) and, when a job changed (`event: job`), re-reads the page and swaps
//   the [data-region] elements whose content differs, without a reload and without losing focus;
// - tails the job log on the job page (GET /api/jobs/{id}/log?after=<offset>);
// - sends Cancel and Retry (forms with data-action) as POST with the session's CSRF token.
'use strict';
(function () {
  var doc = document;
  var main = doc.querySelector('main[data-page]');
  if (!main) return;
  var page = main.getAttribute('data-page');
  var csrf = (doc.querySelector('meta[name="csrf-token"]') || {}).content || '';

  // --- Times --------------------------------------------------------------------------------
  var UNITS = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['week', 7 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  var rtf = typeof Intl !== 'undefined' && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;
  function relative(iso) {
    var seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    if (!isFinite(seconds)) return '';
    if (Math.abs(seconds) < 5) return 'just now';
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i];
      if (Math.abs(seconds) >= unit[1] || unit[0] === 'second') {
        var n = Math.round(seconds / unit[1]);
        return rtf ? rtf.format(n, unit[0]) : n < 0 ? -n + ' ' + unit[0] + 's ago' : 'in ' + n + ' ' + unit[0] + 's';
      }
    }
    return '';
  }
  function elapsed(iso) {
    var s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (!isFinite(s)) return '';
    var h = Math.floor(s / 3600),
      m = Math.floor((s % 3600) / 60),
      sec = s % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + sec + 's';
  }
  function tick() {
    var times = doc.querySelectorAll('time[data-rel]');
    for (var i = 0; i < times.length; i++) {
      var rel = times[i].querySelector('.rel');
      if (rel) rel.textContent = relative(times[i].getAttribute('datetime'));
    }
    var clocks = doc.querySelectorAll('[data-elapsed-since]');
    for (var j = 0; j < clocks.length; j++) clocks[j].textContent = elapsed(clocks[j].getAttribute('data-elapsed-since'));
  }
  tick();
  setInterval(tick, 1000);

  // --- Live status line ----------------------------------------------------------------------
  var statusEl = doc.getElementById('live-status');
  function setStatus(state, text) {
    if (!statusEl) return;
    statusEl.setAttribute('data-state', state);
    statusEl.textContent = text;
  }

  // --- Region refresh -------------------------------------------------------------------------
  var refreshing = false,
    again = false,
    timer = null;
  function scheduleRefresh() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      refresh();
    }, 250);
  }
  function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (res) {
        // The session ended (expired or signed out elsewhere): say so instead of showing stale data as live.
        if (res.status === 401) setStatus('offline', 'signed out: reload to sign in again');
        return res.ok ? res.text() : Promise.reject(new Error('HTTP ' + res.status));
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html');
        var regions = doc.querySelectorAll('[data-region]');
        for (var i = 0; i < regions.length; i++) {
          var old = regions[i];
          var fresh = next.getElementById(old.id);
          if (!fresh || fresh.innerHTML === old.innerHTML) continue;
          var active = doc.activeElement;
          var focusId = active && old.contains(active) ? active.id : '';
          old.innerHTML = fresh.innerHTML;
          if (focusId) {
            var f = doc.getElementById(focusId);
            if (f) f.focus();
          }
        }
        bindActions();
        tick();
        if (page === 'job') followLog();
      })
      .catch(function () {
        /* the next event or poll tries again */
      })
      .then(function () {
        refreshing = false;
        if (again) {
          again = false;
          scheduleRefresh();
        }
      });
  }

  // --- Job log tail ---------------------------------------------------------------------------
  var log = doc.getElementById('job-log');
  var tailing = false,
    tailAgain = false;
  function followLog() {
    log = doc.getElementById('job-log');
    if (!log || !log.hasAttribute('data-follow')) return;
    if (tailing) {
      tailAgain = true;
      return;
    }
    tailing = true;
    var url = '/api/jobs/' + encodeURIComponent(log.getAttribute('data-job-id')) + '/log?after=' + encodeURIComponent(log.getAttribute('data-after') || '0');
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        return res.ok ? res.json() : Promise.reject(new Error('HTTP ' + res.status));
      })
      .then(function (body) {
        var text = typeof body.text === 'string' ? body.text : '';
        if (text) {
          var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
          var empty = log.querySelector('.empty');
          if (empty) empty.remove();
          log.appendChild(doc.createTextNode(text));
          if (atBottom) log.scrollTop = log.scrollHeight;
        }
        if (body.next !== undefined && body.next !== null) log.setAttribute('data-after', String(body.next));
        if (body.complete === true) log.removeAttribute('data-follow');
      })
      .catch(function () {
        /* tried again on the next event or poll */
      })
      .then(function () {
        tailing = false;
        if (tailAgain) {
          tailAgain = false;
          followLog();
        }
      });
  }

  // --- Cancel / Retry ------------------------------------------------------------------------
  function bindActions() {
    var forms = doc.querySelectorAll('form[data-action]');
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if (form.getAttribute('data-bound')) continue;
      form.setAttribute('data-bound', '1');
      form.addEventListener('submit', onAction);
    }
  }
  function onAction(event) {
    event.preventDefault();
    var form = event.currentTarget;
    var button = form.querySelector('button');
    var out = doc.getElementById('action-result');
    if (button) button.disabled = true;
    fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'x-csrf-token': csrf },
    })
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            return { ok: res.ok, status: res.status, body: body };
          });
      })
      .then(function (r) {
        if (out) {
          out.textContent = actionText(r);
          if (r.ok && r.body && r.body.newJobId) {
            var link = doc.createElement('a');
            link.href = '/jobs/' + encodeURIComponent(String(r.body.newJobId));
            link.textContent = 'job ' + r.body.newJobId;
            out.appendChild(doc.createTextNode(' '));
            out.appendChild(link);
          }
          out.className = r.ok ? 'notice' : 'notice error';
          out.hidden = false;
        }
        scheduleRefresh();
      })
      .catch(function (err) {
        if (out) {
          out.textContent = 'Could not reach kugetsu: ' + err.message;
          out.className = 'notice error';
          out.hidden = false;
        }
      })
      .then(function () {
        if (button) button.disabled = false;
      });
  }
  // The answer of POST /api/jobs/{id}/cancel|retry in words (its `status` and `reason`).
  function actionText(r) {
    var body = r.body || {};
    if (r.ok) {
      if (body.status === 'canceled') return 'Canceled.';
      if (body.status === 'cancel-requested') return 'Stop requested: the agent is being stopped.';
      if (body.status === 'retried') return 'Retried as';
      return 'Done.';
    }
    return 'Refused: ' + (body.reason ? String(body.reason) : 'HTTP ' + r.status) + '.';
  }
  bindActions();

  // --- Live events ---------------------------------------------------------------------------
  if (main.hasAttribute('data-live') && typeof EventSource !== 'undefined') {
    var jobId = main.getAttribute('data-job-id');
    var source = new EventSource('/api/events');
    // `job`: a job changed state (any job the viewer may see: the page is re-read);
    // `output`: a job's output grew (the job page reads the new part of its log).
    source.addEventListener('job', scheduleRefresh);
    source.addEventListener('output', function (event) {
      var data = null;
      try {
        data = JSON.parse(event.data);
      } catch (_e) {
        data = null;
      }
      if (page === 'job' && data && String(data.jobId) === jobId) followLog();
    });
    source.addEventListener('open', function () {
      setStatus('live', 'live');
    });
    source.addEventListener('error', function () {
      setStatus('offline', 'reconnecting…');
    });
  }
  // A slow poll besides the events (they may be coalesced): the log of a running job, and a refresh.
  if (page === 'job') {
    followLog();
    setInterval(followLog, 3000);
  }
})();
