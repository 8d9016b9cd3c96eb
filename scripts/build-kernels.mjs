// Builds the AssemblyScript kernels to WebAssembly (SIMD). Filled in with the runtime stage.
console.log('build-kernels: no kernels yet');
