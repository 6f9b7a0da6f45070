/* The venue page's map: django-leaflet builds it (tiles and attribution from settings) and
   calls this with the map; we centre it on the venue and pin it. Without JavaScript the page
   still shows the address and a link to the venue on OpenStreetMap. */
window.matchupVenueMap = function (map) {
  "use strict";
  var element = document.getElementById("venue-map-data");
  if (!element) { return; }
  var venue = JSON.parse(element.textContent);
  var position = [venue.lat, venue.lng];
  map.setView(position, 17);
  L.marker(position, { title: venue.name, alt: venue.name, keyboard: true }).addTo(map);
};
