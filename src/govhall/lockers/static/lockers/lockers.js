// The case's locker page: "按我的位置由近及远排列" asks the browser for the phone's position
// (WGS-84) and reloads the list sorted by distance. Without it the list is by name.
(function () {
  "use strict";
  var button = document.getElementById("use-position");
  var form = document.getElementById("position-form");
  if (!button || !form || !navigator.geolocation) return;
  var note = document.getElementById("position-note");
  button.hidden = false;
  button.addEventListener("click", function () {
    if (note) note.textContent = "正在获取您的位置…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("lat").value = position.coords.latitude.toFixed(6);
        document.getElementById("lng").value = position.coords.longitude.toFixed(6);
        form.submit();
      },
      function () {
        if (note) note.textContent = "无法获取您的位置，请按名称或地址查找。";
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
    );
  });
})();
