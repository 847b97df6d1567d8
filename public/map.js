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
