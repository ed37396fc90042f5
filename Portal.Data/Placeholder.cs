namespace Portal.Data; internal static class Placeholder { }
