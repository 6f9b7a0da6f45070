/* A suggestion's map in the inbox: django-leaflet builds each map (tiles and attribution from
   settings) and calls this with it; the venue comes from the json_script next to it
   ("<map id>-data"). Without JavaScript the card still shows the address and venue link. */
window.matchupSuggestionMap = function (map) {
  "use strict";
  var element = document.getElementById(map.getContainer().id + "-data");
  if (!element) { return; }
  var venue = JSON.parse(element.textContent);
  var position = [venue.lat, venue.lng];
  map.setView(position, 16);
  L.marker(position, { title: venue.name, alt: venue.name, keyboard: true }).addTo(map);
};
