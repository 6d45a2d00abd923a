app_name = "analyses"

urlpatterns = []
