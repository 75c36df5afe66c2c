/**
 * got, the VCO client's HTTP library, behind one module of ours: the build (scripts/bundle-vendor.mjs)
 * replaces the compiled file with a single-file bundle of got and its dependencies, because loading their
 * dozens of small modules one by one costs every cron start tens of milliseconds. Without the bundle step this
 * plain re-export works the same, only slower to load.
 */
export { default } from 'got';
