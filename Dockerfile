# Multi-stage build: npm assets, then the .NET build, then a slim non-root runtime on port 8080.
FROM node:20-bookworm-slim AS assets
WORKDIR /src/Portal.Web
COPY Portal.Web/package.json Portal.Web/package-lock.json Portal.Web/copy-assets.mjs ./
RUN npm ci --no-audit --no-fund

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Portal.Domain/Portal.Domain.csproj Portal.Domain/
COPY Portal.Data/Portal.Data.csproj Portal.Data/
COPY Portal.Web/Portal.Web.csproj Portal.Web/
RUN dotnet restore Portal.Web/Portal.Web.csproj
COPY migrations/ migrations/
COPY Portal.Domain/ Portal.Domain/
COPY Portal.Data/ Portal.Data/
COPY Portal.Web/ Portal.Web/
COPY --from=assets /src/Portal.Web/wwwroot/lib Portal.Web/wwwroot/lib
RUN dotnet publish Portal.Web/Portal.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["dotnet", "Portal.Web.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Portal.Web.dll"]
