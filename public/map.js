// mimamori's cluster icon, loaded after Leaflet.markercluster (app/src/ui/map.rs).
//
// Why JavaScript and not the wasm: markercluster asks for a cluster's icon each time it makes one,
// at every zoom, for every cluster on screen. Asked in Rust, the worst status inside took one call
// across the wasm boundary per child marker (5,000 on a coordinator's map): zoom frames of 117-133
// ms at p95 (BENCHMARKS.md §8). Here the walk is plain JavaScript over numbers each marker carries
// (`options.mimamoriRank`, set when the wasm made it), and each cluster remembers its answer
// until its children change.
(function () {
  "use strict";
  // The order of MapStatus::ALL (app/core/src/domain/map.rs): worst first.
  var RING = ["worst-emergency", "worst-concern", "worst-overdue", "worst-no_record", "worst-fine"];

  function worst(cluster) {
    var count = cluster.getChildCount();
    if (cluster._mimamoriCount === count) return cluster._mimamoriWorst;
    var w = RING.length - 1;
    var markers = cluster._markers;
    for (var i = 0; i < markers.length; i++) {
      var r = markers[i].options.mimamoriRank;
      if (typeof r === "number" && r < w) w = r;
    }
    var children = cluster._childClusters;
    for (var j = 0; j < children.length && w > 0; j++) {
      var c = worst(children[j]);
      if (c < w) w = c;
    }
    cluster._mimamoriCount = count;
    cluster._mimamoriWorst = w;
    return w;
  }

  window.mimamoriClusterIcon = function (cluster) {
    return L.divIcon({
      className: "map-cluster " + RING[worst(cluster)],
      html: "<span>" + cluster.getChildCount() + "</span>",
      iconSize: [44, 44],
    });
  };
})();

// Small areas' summary labels that would cover one another (a town seen whole: 本町一丁目町内会 on
// top of 駅前町内会): each map hides the labels that overlap one already shown, those with someone
// 気になる or 緊急 shown first, and looks again after every zoom, so zooming in brings them back.
// The table under the map lists every area, so a hidden label hides nothing from anyone.
(function () {
  "use strict";
  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function declutter(map) {
    map._mimamoriDeclutterQueued = false;
    var pane = map.getPane && map.getPane("markerPane");
    if (!pane) return;
    var labels = Array.prototype.slice.call(pane.querySelectorAll(".map-area-label"));
    var warn = function (el) {
      return el.querySelector(".map-area-box.warn") ? 0 : 1;
    };
    labels.sort(function (a, b) {
      return warn(a) - warn(b);
    });
    var shown = [];
    labels.forEach(function (el) {
      var box = el.firstElementChild || el;
      el.style.visibility = "";
      var r = box.getBoundingClientRect();
      var hit = shown.some(function (s) {
        return overlaps(r, s);
      });
      el.style.visibility = hit ? "hidden" : "";
      el.toggleAttribute("data-covered", hit);
      if (!hit) shown.push(r);
    });
    // Say so on the map, so nobody takes the labels shown for all there are.
    var hidden = labels.length - shown.length;
    var container = map.getContainer();
    var note = container.querySelector(".map-covered-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "map-covered-note";
      note.setAttribute("role", "status");
      container.appendChild(note);
    }
    note.textContent = hidden > 0 ? "重なる " + hidden + " 地域の集計は、拡大すると表示されます（全地域は下の表に）" : "";
    note.hidden = hidden === 0;
  }
  function soon(map) {
    if (map._mimamoriDeclutterQueued) return;
    map._mimamoriDeclutterQueued = true;
    requestAnimationFrame(function () {
      declutter(map);
    });
  }
  L.Map.addInitHook(function () {
    var map = this;
    map.on("zoomend viewreset resize layeradd layerremove", function () {
      soon(map);
    });
  });
})();
