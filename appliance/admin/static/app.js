// tcpbox admin: the only script. It refreshes the connection page from its
// JSON twin once a second, trims the tuning form to changed fields and
// applies the connection filters as they change;
// every page works without it.
(function () {
  'use strict';
  // Tuning: submit only the fields that differ from the saved
  // configuration, so two people tuning at once do not undo each other's
  // changes with stale values. Without this script every field is sent,
  // which is correct for a single user.
  var tuning = document.getElementById('tuning');
  if (tuning) {
    tuning.addEventListener('submit', function () {
      tuning.querySelectorAll('[data-saved]').forEach(function (el) {
        if (el.value === el.getAttribute('data-saved')) el.disabled = true;
      });
    });
  }
  // Connections: a changed service or state filter applies at once (the
  // Filter button stays for pages without this script).
  document.querySelectorAll('form.filters select').forEach(function (sel) {
    sel.addEventListener('change', function () { sel.form.submit(); });
  });
  // Auto-refresh (opt-in, remembered per browser): re-fetch the page and
  // replace its main part every 2 s, so counters and rates move.
  var auto = document.getElementById('autorefresh');
  if (auto) {
    var key = 'tcpbox-autorefresh-' + document.body.getAttribute('data-page');
    auto.checked = localStorage.getItem(key) === '1';
    auto.addEventListener('change', function () { localStorage.setItem(key, auto.checked ? '1' : '0'); });
    setInterval(function () {
      if (!auto.checked) return;
      fetch(location.href, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var from = doc.getElementById('content'), to = document.getElementById('content');
          if (from && to) to.innerHTML = from.innerHTML;
        })
        .catch(function () {});
    }, 2000);
  }
  var live = document.getElementById('live');
  if (!live) return;
  var api = live.getAttribute('data-api');
  var busy = false;
  function refresh() {
    if (busy) return;
    busy = true;
    fetch(api, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (r.status === 404) { clearInterval(timer); live.insertAdjacentHTML('afterbegin', '<p class="bad">The connection has closed.</p>'); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (d) {
        if (!d) return;
        // The plots are SVG rendered by the server (no charting library).
        ['window', 'rtt', 'rate', 'history_window', 'history_rtt', 'history_rate'].forEach(function (k) {
          var el = document.getElementById('p-' + k);
          if (el && d.plots && d.plots[k]) el.innerHTML = d.plots[k];
        });
        (d.groups || []).forEach(function (g) {
          g.rows.forEach(function (row) {
            var td = live.querySelector('td[data-k="' + row.key + '"]');
            if (td && td.textContent !== row.value) td.textContent = row.value;
          });
        });
      })
      .catch(function () {})
      .finally(function () { busy = false; });
  }
  var timer = setInterval(refresh, 1000);
})();
