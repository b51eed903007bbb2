import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev -w @openfoundry/web` serves the app with hot reload and proxies the API to a
// running server (OPENFOUNDRY_DEV_API, default http://127.0.0.1:8080), so cookies and CSRF work
// exactly as in production: same origin for the browser.
const api = process.env.OPENFOUNDRY_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Blueprint's peer dependency may be hoisted at another React version; one React only.
    dedupe: ['react', 'react-dom'],
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/multipass': { target: api, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});
