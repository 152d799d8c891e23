/* gridmgr console: what every page shares (CSRF header, JSON calls, the map, one submit). */
(function () {
  "use strict";
  var GM = (window.GM = {});
  var DISTRICT = [[26.55, 106.59], [26.69, 106.79]]; // Yunyan, lat/lon

  GM.csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  GM.data = function (id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  function answer(response) {
    return response.json().then(
      function (body) { return { ok: response.ok, status: response.status, body: body }; },
      function () { return { ok: false, status: response.status, body: {} }; });
  }

  GM.getJSON = function (url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(answer);
  };

  GM.postJSON = function (url) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": GM.csrf() },
    }).then(answer);
  };

  /* A Leaflet map with the configured basemap and the communities' outlines. */
  GM.map = function (id, config) {
    var map = L.map(id, { zoomControl: true });
    map.attributionControl.setPrefix("Leaflet");
    (config.tiles || []).forEach(function (t) {
      L.tileLayer(t.url, { attribution: t.attribution, subdomains: t.subdomains,
                           maxZoom: t.maxZoom }).addTo(map);
    });
    map.fitBounds(DISTRICT);
    GM.getJSON("/console/map/communities.json").then(function (r) {
      if (!r.ok) return;
      L.geoJSON(r.body, { interactive: false,
                          style: { color: "#555555", weight: 1, fill: false } }).addTo(map);
    });
    GM.leaflet = map;
    return map;
  };

  /* A case as a dot in its state's colour (red ring when overdue) opening its page. */
  GM.caseMarker = function (map, config, c) {
    var marker = L.circleMarker(c.at, {
      radius: 8, weight: c.overdue ? 3 : 1.5,
      color: c.overdue ? config.overdueRing : "#ffffff",
      fillColor: (config.stateColours || {})[c.status] || "#1f78b4", fillOpacity: 1,
    }).addTo(map);
    if (c.label) marker.bindTooltip(c.label);
    marker.on("click", function () { window.location.href = "/console/cases/" + c.id; });
    return marker;
  };

  GM.text = function (id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = value == null || value === "" ? "—" : String(value);
    return el;
  };

  /* Forms marked data-once are sent once: a second click waits for the first answer. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.classList.add("sending");
  });
  window.addEventListener("pageshow", function () {  // back to a page from the cache
    document.querySelectorAll("form[data-sent]").forEach(function (f) {
      delete f.dataset.sent;
      f.classList.remove("sending");
    });
  });
})();
