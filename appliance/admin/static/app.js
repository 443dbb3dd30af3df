// tcpbox admin: the only script. It refreshes the connection page from its
// JSON twin once a second; every other page works without it.
(function () {
  'use strict';
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
        ['window', 'rtt', 'rate'].forEach(function (k) {
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
