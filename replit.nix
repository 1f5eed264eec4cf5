{ pkgs }: {
  deps = [
    pkgs.python311
    pkgs.cacert
  ];
}
