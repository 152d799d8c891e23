/* The case page and "my cases": cases on the map, placing a case, revealing the reporter,
   and a notice when the case shown has changed meanwhile. */
(function () {
  "use strict";
  var config = GM.data("map-config");
  if (!config || !document.getElementById("map")) return;
  var map = GM.map("map", config);
  var one = GM.data("case-map");
  var many = GM.data("markers");

  if (many && many.length) {
    var dots = many.filter(function (c) { return c.at; }).map(function (c) {
      return GM.caseMarker(map, config, c);
    });
    if (dots.length) map.fitBounds(L.featureGroup(dots).getBounds().pad(0.3), { maxZoom: 16 });
  }

  if (one) {
    var grid = null;
    if (one.grid) {
      grid = L.geoJSON(one.grid, { interactive: false,
        style: { color: "#1f78b4", weight: 2, fillOpacity: 0.08 } }).addTo(map);
      map.fitBounds(grid.getBounds().pad(0.5));
    }
    if (one.at) {
      GM.caseMarker(map, config, { id: one.id, at: one.at, status: one.status,
                                   overdue: one.overdue });
      if (!grid) map.setView(one.at, 16);
    }
    watch(one.id, one.version);
  }

  var place = document.getElementById("place-form");
  if (place) {
    var pin = null;
    map.on("click", function (e) {
      place.elements.lon.value = e.latlng.lng.toFixed(7);
      place.elements.lat.value = e.latlng.lat.toFixed(7);
      place.elements.crs.value = config.displayCrs;
      if (pin) pin.setLatLng(e.latlng); else pin = L.marker(e.latlng).addTo(map);
    });
  }

  var reveal = document.getElementById("reveal");
  if (reveal && one) {
    reveal.addEventListener("click", function () {
      reveal.disabled = true;
      GM.postJSON("/console/cases/" + one.id + "/reveal").then(function (r) {
        if (r.ok) {
          GM.text("reporter-name", r.body.name);
          GM.text("reporter-phone", r.body.phone);
          reveal.hidden = true;
        } else {
          reveal.disabled = false;
          var err = GM.text("reveal-error", r.body.title || r.status);
          err.hidden = false;
        }
      });
    });
  }

  /* Ask now and then (and when the tab comes back) whether the case moved on. */
  function watch(id, version) {
    var banner = document.getElementById("stale");
    if (!banner) return;
    function check() {
      GM.getJSON("/console/cases/" + id + "/version").then(function (r) {
        if (r.ok && r.body.version !== version) banner.hidden = false;
      });
    }
    window.setInterval(check, 20000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) check();
    });
  }
})();
