export { connectMcp, type McpServer, type McpStdioServer, type McpHttpServer, type McpToolsOptions, type McpToolSource } from './mcp.js';
