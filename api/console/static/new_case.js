/* The new-case page: category search, location three ways, and the live preview of the
   grid, community, grid worker, suggested assignee and possible duplicate. */
(function () {
  "use strict";
  var config = GM.data("map-config");
  var form = document.getElementById("new-case");
  var f = form.elements;
  var map = GM.map("map", config);
  var pin = null, gridLayer = null, asked = 0;

  /* Category: the list narrows to what the search box matches. */
  var search = document.getElementById("category-search");
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase(), first = null;
    Array.prototype.forEach.call(f.category.options, function (o) {
      var hit = !q || o.dataset.search.indexOf(q) >= 0;
      o.hidden = !hit;
      if (hit && !first) first = o;
    });
    var chosen = f.category.selectedOptions[0];
    if (q && first && (!chosen || chosen.hidden)) { f.category.value = first.value; preview(); }
  });
  search.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
  f.category.addEventListener("change", preview);

  /* Location: a click on the map is read in the basemap's CRS. */
  map.on("click", function (e) {
    f.lon.value = e.latlng.lng.toFixed(7);
    f.lat.value = e.latlng.lat.toFixed(7);
    f.crs.value = config.displayCrs;
    preview();
  });
  document.getElementById("locate").addEventListener("click", preview);
  f.crs.addEventListener("change", preview);
  [f.lon, f.lat].forEach(function (input) {
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); preview(); }
    });
  });

  /* Address: the gazetteer's candidates, one click each. */
  var list = document.getElementById("candidates");
  function findAddress() {
    var text = f.address.value.trim();
    list.textContent = "";
    if (!text) return;
    GM.getJSON("/console/geocode?address=" + encodeURIComponent(text)).then(function (r) {
      if (!r.ok) { list.textContent = r.body.title || "查找失败 / look-up failed"; return; }
      if (!r.body.candidates.length) {
        list.textContent = "没有候选地址 / no candidates";
        return;
      }
      r.body.candidates.forEach(function (c) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "candidate";
        b.textContent = c.address + " (" + c.score + ")";
        b.addEventListener("click", function () {
          f.address.value = c.address;
          f.lon.value = c.lon;
          f.lat.value = c.lat;
          f.crs.value = "wgs84";
          list.textContent = "";
          preview();
        });
        li.appendChild(b);
        list.appendChild(li);
      });
    });
  }
  document.getElementById("find-address").addEventListener("click", findAddress);
  f.address.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); findAddress(); }
  });

  /* Preview: what filing would decide now, by the same functions intake uses. */
  function preview() {
    if (!f.lon.value.trim() || !f.lat.value.trim()) return;
    var mine = ++asked;
    var url = "/console/preview?lon=" + encodeURIComponent(f.lon.value.trim()) +
      "&lat=" + encodeURIComponent(f.lat.value.trim()) + "&crs=" + encodeURIComponent(f.crs.value);
    if (f.category.value) url += "&category=" + encodeURIComponent(f.category.value);
    document.getElementById("preview").classList.add("loading");
    GM.getJSON(url).then(function (r) {
      if (mine !== asked) return;  // a newer question is on its way
      document.getElementById("preview").classList.remove("loading");
      show(r);
    });
  }

  function show(r) {
    var err = document.getElementById("pv-error"), dl = document.getElementById("pv");
    document.getElementById("pv-empty").hidden = true;
    if (!r.ok) {
      err.textContent = (r.body.title || "") + " " + (r.body.detail || "");
      err.hidden = false;
      dl.hidden = true;
      return;
    }
    var p = r.body;
    err.hidden = true;
    dl.hidden = false;
    GM.text("pv-grid", p.grid_code || "位置不在任何网格内 / outside every grid");
    var comm = GM.text("pv-community", p.community_code
      ? (p.community_name || "") + " " + p.community_code : null);
    if (p.community_map) {
      var a = document.createElement("a");
      a.href = p.community_map;
      a.textContent = " 社区地图 map";
      comm.appendChild(a);
    }
    GM.text("pv-worker", p.grid_workers.map(function (w) {
      return w.name + " (" + w.id + (w.on_duty ? "" : "，不在岗 off duty") + "，在办 " +
        w.open_cases + "/" + w.cap + ")";
    }).join("；"));
    var a2 = p.assignee;
    GM.text("pv-assignee", a2 ? (a2.name ? a2.name + " (" + a2.id + ")" : "暂无 / nobody")
      : "请先选择类别 / choose a category");
    GM.text("pv-reason", a2 ? a2.reason : null);
    var dup = GM.text("pv-duplicate", p.duplicate_of ? "" : "无 / none");
    if (p.duplicate_of) {
      var link = document.createElement("a");
      link.href = p.duplicate_of.url;
      link.textContent = "#" + p.duplicate_of.id;
      dup.textContent = "";
      dup.appendChild(link);
    }
    if (p.display) {
      if (pin) pin.setLatLng(p.display); else pin = L.marker(p.display).addTo(map);
    }
    if (gridLayer) { map.removeLayer(gridLayer); gridLayer = null; }
    if (p.grid_geometry) {
      gridLayer = L.geoJSON(p.grid_geometry, { interactive: false,
        style: { color: "#1f78b4", weight: 2, fillOpacity: 0.1 } }).addTo(map);
    }
  }

  if (f.lon.value && f.lat.value) preview();  // a form shown again after an error
})();
