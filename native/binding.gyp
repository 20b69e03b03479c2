{
  "targets": [
    {
      "target_name": "nib_kernel",
      "sources": ["src/addon.c", "src/lstm.c", "src/kernels.c", "src/pool.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=fast", "-fno-math-errno", "-pthread", "-Wall", "-Wno-unused-function"],
      "cflags!": ["-O2", "-O1"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=fast", "-fno-math-errno"]
      }
    }
  ]
}
