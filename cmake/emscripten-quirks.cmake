# Work-arounds for Debian 12's emscripten 3.1.6 with node 20 (no-ops for native builds).
if(NOT EMSCRIPTEN)
  return()
endif()
# emcc's JS optimizer requires 'acorn', which Debian ships in /usr/share/nodejs; node 20 from
# outside Debian does not search there. Set NODE_PATH for every compile and link.
set(_losslab_env "${CMAKE_COMMAND}" -E env "NODE_PATH=/usr/share/nodejs")
set(CMAKE_CXX_COMPILER_LAUNCHER ${_losslab_env})
set(CMAKE_CXX_LINKER_LAUNCHER ${_losslab_env})
# emcmake passes CMAKE_CROSSCOMPILING_EMULATOR="node;--experimental-wasm-threads", a flag node 20
# rejects ("bad option"); gtest_discover_tests and ctest would both fail on it.
if(CMAKE_CROSSCOMPILING_EMULATOR MATCHES "--experimental-wasm-threads")
  set(_emu ${CMAKE_CROSSCOMPILING_EMULATOR})
  list(REMOVE_ITEM _emu --experimental-wasm-threads)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${_emu}" CACHE FILEPATH "emulator for the target" FORCE)
endif()
