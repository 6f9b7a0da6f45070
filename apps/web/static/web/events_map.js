/* "Near me" map: django-leaflet builds the map and calls this. One pin per venue; its popup
   lists the venue's events on this page. Popups are built from DOM nodes (textContent), never
   from HTML strings, so titles cannot inject markup. Without JavaScript the list says it all. */
window.matchupEventsMap = function (map) {
  "use strict";
  var element = document.getElementById("events-map-data");
  if (!element) { return; }
  var data = JSON.parse(element.textContent);
  var bounds = [];
  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }
  data.markers.forEach(function (venue) {
    var popup = document.createElement("div");
    var title = document.createElement("strong");
    title.appendChild(link(venue.url, venue.name));
    popup.appendChild(title);
    var list = document.createElement("ul");
    venue.events.forEach(function (event) {
      var item = document.createElement("li");
      item.appendChild(link(event.url, event.title));
      item.appendChild(document.createTextNode(" · " + event.when));
      list.appendChild(item);
    });
    popup.appendChild(list);
    var position = [venue.lat, venue.lng];
    var label = venue.name + ": " + venue.events.length + " event" + (venue.events.length === 1 ? "" : "s");
    L.marker(position, { title: label, alt: label, keyboard: true }).bindPopup(popup).addTo(map);
    bounds.push(position);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
  } else if (data.center) {
    map.setView([data.center.lat, data.center.lng], 13);
  }
};
