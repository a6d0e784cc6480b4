/* smartgov maps: Leaflet on a blank canvas (or a configured tile layer) with the unit grids drawn. */
function smartgovMap(elementId, options) {
  options = options || {};
  var el = document.getElementById(elementId);
  if (!el || typeof L === "undefined") { return null; }
  var map = L.map(el, { zoomControl: true, attributionControl: false });
  var tileUrl = el.dataset.tiles;
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map); } else { smartgovBaseMap(map); }
  map.setView([30.28, 120.17], 14);
  var marker = null;
  function place(lat, lon) {
    if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.circleMarker([lat, lon], { radius: 8, color: "#c0392b", fillOpacity: 0.8 }).addTo(map); }
  }
  fetch(options.gridsUrl || "/api/v1/org/grids.geojson").then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
    if (!geo || !geo.features || !geo.features.length) { return; }
    var layer = L.geoJSON(geo, {
      style: function (f) { return options.style ? options.style(f) : { color: "#1d4f91", weight: 1, fillOpacity: 0.05 }; },
      onEachFeature: function (f, l) { if (f.properties && f.properties.code) { l.bindTooltip((f.properties.name || "") + " " + f.properties.code); } }
    }).addTo(map);
    // initial positioning is not a user's zoom: no animation (a half-zoomed marker looked huge)
    if (options.point) { map.setView([options.point[0], options.point[1]], 17, { animate: false }); } else { map.fitBounds(layer.getBounds(), { animate: false }); }
    if (options.onGrids) { options.onGrids(layer, geo); }
  });
  if (options.point) { place(options.point[0], options.point[1]); map.setView(options.point, 17, { animate: false }); }
  if (options.pick) {
    map.on("click", function (e) {
      place(e.latlng.lat, e.latlng.lng);
      document.getElementById(options.pick.lon).value = e.latlng.lng.toFixed(6);
      document.getElementById(options.pick.lat).value = e.latlng.lat.toFixed(6);
      if (options.pick.label) { document.getElementById(options.pick.label).textContent = "已选位置：" + e.latlng.lng.toFixed(5) + ", " + e.latlng.lat.toFixed(5); }
    });
  }
  return map;
}

/* The offline base map (roads, water) under the grids when no tile server is configured. */
function smartgovBaseMap(map) {
  map.createPane("basemap"); map.getPane("basemap").style.zIndex = 350;
  fetch("/api/v1/org/basemap.geojson").then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
    if (!geo || !geo.features || !geo.features.length) { return; }
    L.geoJSON(geo, { pane: "basemap", interactive: false, style: function (f) {
      return f.properties.kind === "water" ? { color: "#7fb3d5", weight: 1, fillColor: "#aed6f1", fillOpacity: 0.8 }
        : { color: "#c8c2b4", weight: 6, opacity: 0.9 }; } }).addTo(map);
  });
}
