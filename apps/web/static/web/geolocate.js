// "Use my location": progressive enhancement for the home fields. Without JavaScript (or
// without permission) people type a town or district instead.
(function () {
  "use strict";
  var button = document.querySelector("[data-geolocate]");
  if (!button || !("geolocation" in navigator)) return;
  var status = document.querySelector("[data-geolocate-status]");
  var lat = document.querySelector("input[name=lat]");
  var lng = document.querySelector("input[name=lng]");
  button.closest(".geolocate").hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Finding you…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(5);
        lng.value = pos.coords.longitude.toFixed(5);
        status.textContent = "Location found. It stays private; save to use it.";
      },
      function () {
        status.textContent = "We could not get your location. Type a town or district instead.";
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
